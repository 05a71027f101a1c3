// Vitest globalSetup for the scaled-out (`postgres`) project: one throwaway redis-server for the run.
// Tests reach it through `inject('redisUrl')`; each test app writes under a key prefix of its own.
import type { TestProject } from 'vitest/node'
import { startRedisServer } from '../support/redis-server.ts'

export default async function setup(project: TestProject) {
  const redis = await startRedisServer()
  project.provide('redisUrl', redis.url)
  return () => redis.stop()
}
