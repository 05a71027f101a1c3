// What every limiter store must do for the login throttle, run against each implementation: failures counted
// in a row on the caller's clock and forgotten after a quiet time, blocks that end, resets.
import { describe, expect, it } from 'vitest'
import type { LimiterStore } from '../../src/domain/limiter.ts'

export function failureCounterContract(name: string, store: () => LimiterStore): void {
  const now = Date.parse('2026-11-24T12:00:00Z')
  const key = (k: string) => `${k}:${Math.random().toString(36).slice(2)}`

  describe(`${name}: failures and blocks`, () => {
    it('counts failures in a row, and starts over after a quiet time', async () => {
      const k = key('count')
      expect(await store().countFailure(k, now, 60_000)).toBe(1)
      expect(await store().countFailure(k, now + 30_000, 60_000)).toBe(2)
      expect(await store().countFailure(k, now + 90_000, 60_000)).toBe(3)
      expect(await store().countFailure(k, now + 150_001, 60_000)).toBe(1)
    })

    it('forgets a reset counter', async () => {
      const k = key('reset')
      await store().countFailure(k, now, 60_000)
      await store().reset(k)
      expect(await store().countFailure(k, now, 60_000)).toBe(1)
    })

    it('tells when a block ends, and forgets a reset one', async () => {
      const k = key('block')
      expect(await store().blockedUntil(k)).toBe(0)
      await store().block(k, now, 15_000)
      expect(await store().blockedUntil(k)).toBe(now + 15_000)
      await store().block(k, now + 1000, 30_000)
      expect(await store().blockedUntil(k)).toBe(now + 31_000)
      await store().reset(k)
      expect(await store().blockedUntil(k)).toBe(0)
    })
  })
}
