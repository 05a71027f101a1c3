// Vitest globalSetup for the `postgres` project: one throwaway PostgreSQL server for the run. Tests reach
// it through `inject('postgresUrl')`; test/support/database.ts makes one database per caller.
import type { TestProject } from 'vitest/node'
import { startPostgres } from '../support/postgres-server.ts'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres()
  project.provide('postgresUrl', server.url)
  return () => server.stop()
}
