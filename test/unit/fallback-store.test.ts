// The fallback between the shared limiter store and the in-process one.
import { describe, expect, it } from 'vitest'
import { FallbackLimiterStore } from '../../src/adapters/limits/fallback-store.ts'
import { MemoryLimiterStore } from '../../src/adapters/limits/memory-store.ts'
import type { LimitDecision, LimiterStore } from '../../src/domain/limiter.ts'

const policy = { name: 'p', limit: 10, windowMs: 60_000 }

/** A primary store that fails while `down` and counts the calls it gets. */
function flakyPrimary() {
  const state = { down: true, calls: 0 }
  const ok: LimitDecision = { allowed: true, limit: 10, remaining: 9, resetMs: 6000, retryAfterMs: 0 }
  const store: LimiterStore = {
    async consume() {
      state.calls += 1
      if (state.down) throw new Error('timed out')
      return ok
    },
    async countFailure() {
      state.calls += 1
      if (state.down) throw new Error('timed out')
      return 1
    },
    async block() {},
    async blockedUntil() {
      return 0
    },
    async reset() {},
    async close() {},
  }
  return { store, state }
}

function setup(instances = 2) {
  let now = 1_000_000
  const primary = flakyPrimary()
  const logged: string[] = []
  const log = {
    warn: (_: unknown, m: string) => void logged.push(m),
    info: (_: unknown, m: string) => void logged.push(m),
  }
  const store = new FallbackLimiterStore({
    primary: primary.store,
    fallback: new MemoryLimiterStore(() => now),
    instances,
    primaryUp: () => true,
    log,
    retryAfterMs: 1000,
    now: () => now,
  })
  return { store, primary: primary.state, logged, advance: (ms: number) => (now += ms) }
}

describe('FallbackLimiterStore', () => {
  it('counts login failures in process while the primary fails', async () => {
    const { store } = setup()
    expect(await store.countFailure('f', 1000, 60_000)).toBe(1)
    expect(await store.countFailure('f', 2000, 60_000)).toBe(2)
    expect(store.degraded).toBe(true)
  })

  it('decides on the in-process store, at this instance’s share, when the primary fails', async () => {
    const { store } = setup(2)
    const decisions = []
    for (let i = 0; i < 6; i++) decisions.push((await store.consume('k', policy)).allowed)
    expect(decisions).toEqual([true, true, true, true, true, false])
    expect(store.degraded).toBe(true)
  })

  it('leaves a failed primary alone for a while, so a hung one costs one timeout, not one per request', async () => {
    const { store, primary, advance } = setup()
    await store.consume('k', policy)
    await store.consume('k', policy)
    await store.consume('k', policy)
    expect(primary.calls).toBe(1)
    advance(1000)
    await store.consume('k', policy)
    expect(primary.calls).toBe(2)
  })

  it('goes back to the primary when it answers again, logging the outage and the recovery once each', async () => {
    const { store, primary, logged, advance } = setup()
    for (let i = 0; i < 3; i++) await store.consume('k', policy)
    primary.down = false
    advance(1000)
    expect((await store.consume('k', policy)).remaining).toBe(9)
    expect(store.degraded).toBe(false)
    expect(logged).toEqual([
      'rate limits: shared store unavailable; each instance limits alone',
      'rate limits: back on the shared store',
    ])
  })
})
