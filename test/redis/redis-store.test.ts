// The Redis limiter store against a real redis-server: the same GCRA decisions as the in-process store,
// made atomically in one round trip, with keys that always expire.
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { RedisLimiterStore } from '../../src/adapters/limits/redis-store.ts'
import { failureCounterContract } from '../support/failure-counter.ts'

let redis: Redis
let store: RedisLimiterStore
const prefix = `test:${process.pid}:${Date.now()}:`
const policy = { name: 'test', limit: 5, windowMs: 60_000 }

beforeAll(async () => {
  redis = new Redis(inject('redisUrl') ?? '')
  store = new RedisLimiterStore(redis, prefix)
})
afterAll(() => redis.quit())

describe('RedisLimiterStore', () => {
  it('allows exactly `limit` at once, then refuses with the time until the next unit', async () => {
    const remaining: number[] = []
    for (let i = 0; i < 5; i++) {
      const d = await store.consume('burst', policy)
      expect(d.allowed).toBe(true)
      remaining.push(d.remaining)
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0])
    const refused = await store.consume('burst', policy)
    expect(refused.allowed).toBe(false)
    // One unit comes back every 12 s; a few ms have passed since the burst.
    expect(refused.retryAfterMs).toBeGreaterThan(11_000)
    expect(refused.retryAfterMs).toBeLessThanOrEqual(12_000)
  })

  it('writes keys that expire when their bucket is full again', async () => {
    await store.consume('ttl', policy, 2)
    const ttl = await redis.pttl(`${prefix}limit:ttl`)
    expect(ttl).toBeGreaterThan(23_000)
    expect(ttl).toBeLessThanOrEqual(24_000)
  })

  it('charges costs, refuses more than is left, and takes nothing when refusing', async () => {
    expect((await store.consume('cost', policy, 4)).remaining).toBe(1)
    expect((await store.consume('cost', policy, 2)).allowed).toBe(false)
    expect((await store.consume('cost', policy, 1)).allowed).toBe(true)
  })

  it('forgets a reset key', async () => {
    await store.consume('reset', policy, 3)
    await store.reset('reset')
    expect(await redis.exists(`${prefix}limit:reset`)).toBe(0)
    expect((await store.consume('reset', policy, 5)).allowed).toBe(true)
  })

  it('keeps failure counts and blocks only as long as they matter', async () => {
    const now = Date.now()
    await store.countFailure('expiring', now, 60_000)
    await store.block('blocked', now, 15_000)
    expect(await redis.pttl(`${prefix}limit:expiring`)).toBeGreaterThan(59_000)
    expect(await redis.pttl(`${prefix}limit:blocked`)).toBeGreaterThan(14_000)
    expect(await redis.pttl(`${prefix}limit:blocked`)).toBeLessThanOrEqual(15_000)
  })

  it('is exact under concurrency: 200 simultaneous takes against 50 allow 50', async () => {
    const wide = { name: 'wide', limit: 50, windowMs: 60_000 }
    const decisions = await Promise.all(Array.from({ length: 200 }, () => store.consume('race', wide)))
    expect(decisions.filter((d) => d.allowed)).toHaveLength(50)
  })
})

failureCounterContract('RedisLimiterStore', () => store)
