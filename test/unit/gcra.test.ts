// The limiter algorithm (GCRA): a burst of `limit`, then one unit per window/limit; refusals take nothing.
import { describe, expect, it } from 'vitest'
import { MemoryLimiterStore } from '../../src/adapters/limits/memory-store.ts'
import { failureCounterContract } from '../support/failure-counter.ts'

const policy = { name: 'test', limit: 5, windowMs: 10_000 }

function store() {
  let now = 1_000_000
  const s = new MemoryLimiterStore(() => now)
  return { s, advance: (ms: number) => (now += ms) }
}

describe('GCRA limiter', () => {
  it('allows exactly `limit` at once, then refuses with the time to wait', async () => {
    const { s } = store()
    const remaining = []
    for (let i = 0; i < 5; i++) {
      const d = await s.consume('k', policy)
      expect(d.allowed).toBe(true)
      remaining.push(d.remaining)
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0])
    const refused = await s.consume('k', policy)
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 2000 })
    await s.close()
  })

  it('refills one unit per window/limit and never above the limit', async () => {
    const { s, advance } = store()
    for (let i = 0; i < 5; i++) await s.consume('k', policy)
    advance(2000)
    expect((await s.consume('k', policy)).allowed).toBe(true)
    expect((await s.consume('k', policy)).allowed).toBe(false)
    advance(60_000)
    expect((await s.consume('k', policy, 5)).allowed).toBe(true)
    await s.close()
  })

  it('charges a cost of several units at once, and refuses a cost larger than what is left', async () => {
    const { s } = store()
    expect((await s.consume('k', policy, 4)).remaining).toBe(1)
    expect((await s.consume('k', policy, 2)).allowed).toBe(false)
    expect((await s.consume('k', policy, 1)).allowed).toBe(true)
    await s.close()
  })

  it('keeps keys apart and forgets a reset key', async () => {
    const { s } = store()
    for (let i = 0; i < 5; i++) await s.consume('a', policy)
    expect((await s.consume('b', policy)).allowed).toBe(true)
    await s.reset('a')
    expect((await s.consume('a', policy)).remaining).toBe(4)
    await s.close()
  })
})

const memory = new MemoryLimiterStore()
failureCounterContract('MemoryLimiterStore', () => memory)
