// The Redis limiter store against a real redis-server: the same GCRA decisions as the in-process store,
// made atomically in one round trip, with keys that always expire.
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { RedisLimiterStore } from '../../src/adapters/limits/redis-store.ts'

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

  it('peeks without taking, and forgets a reset key', async () => {
    await store.consume('peek', policy, 3)
    expect((await store.peek('peek', policy)).remaining).toBe(2)
    expect((await store.peek('peek', policy)).remaining).toBe(2)
    await store.reset('peek')
    expect((await store.peek('peek', policy)).remaining).toBe(5)
    expect(await redis.exists(`${prefix}limit:peek`)).toBe(0)
  })

  it('is exact under concurrency: 200 simultaneous takes against 50 allow 50', async () => {
    const wide = { name: 'wide', limit: 50, windowMs: 60_000 }
    const decisions = await Promise.all(Array.from({ length: 200 }, () => store.consume('race', wide)))
    expect(decisions.filter((d) => d.allowed)).toHaveLength(50)
  })
})
