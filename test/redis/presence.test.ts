// Presence in Redis: the same contract as in process, on Redis's own clock.
import { Redis } from 'ioredis'
import { afterAll, beforeAll, inject } from 'vitest'
import { RedisPresence } from '../../src/adapters/presence/redis-presence.ts'
import { presenceContract } from '../support/presence-contract.ts'

let redis: Redis
let store: RedisPresence

beforeAll(() => {
  redis = new Redis(inject('redisUrl') ?? '')
  store = new RedisPresence(redis, `test:${process.pid}:${Date.now()}:`)
})
afterAll(() => redis.quit())

presenceContract(
  'RedisPresence',
  () => store,
  // Entries of 1 ms expire on Redis's clock: poll (bounded) until they have.
  async (check) => {
    for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 5))
  },
)
