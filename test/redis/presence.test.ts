// Presence in Redis: the same contract as in process, on Redis's own clock; Redis gone is an outage the
// caller answers as such, an error Redis replies with is not.
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { RedisPresence } from '../../src/adapters/presence/redis-presence.ts'
import { UnavailableError } from '../../src/domain/errors.ts'
import { presenceContract } from '../support/presence-contract.ts'

let redis: Redis
let store: RedisPresence
const prefix = `test:${process.pid}:${Date.now()}:`

beforeAll(() => {
  redis = new Redis(inject('redisUrl') ?? '')
  store = new RedisPresence(redis, prefix)
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

describe('RedisPresence failing', () => {
  const member = { userId: 'u1', name: 'Ann' }

  it('reports a connection it cannot use as the dependency being unavailable', async () => {
    const gone = new Redis(inject('redisUrl') ?? '', { lazyConnect: true, enableOfflineQueue: false })
    const offline = new RedisPresence(gone, prefix)
    await expect(offline.join('lobby', 'c1', member, 60_000)).rejects.toBeInstanceOf(UnavailableError)
    await expect(offline.members('lobby')).rejects.toMatchObject({
      dependency: 'redis',
      retryAfterSeconds: 2,
    })
    gone.disconnect()
  })

  it('lets an error Redis replies with through as it is: a bug, not an outage', async () => {
    await redis.set(`${prefix}presence:broken`, 'not a hash')
    const refused = await store.join('broken', 'c1', member, 60_000).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(Error)
    expect(refused).not.toBeInstanceOf(UnavailableError)
    expect((refused as Error).message).toMatch(/WRONGTYPE/)
  })
})
