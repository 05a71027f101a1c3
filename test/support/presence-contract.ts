// What every presence store must do, run against each implementation: one member per user however many
// connections, joins and leaves at the first and last connection, expiry for connections nobody refreshes.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { PresenceStore } from '../../src/domain/presence.ts'

const alice = { userId: 'u-alice', name: 'Alice' }
const bob = { userId: 'u-bob', name: 'Bob' }
const LONG = 60_000

/** `expire` makes entries with a short TTL expire: moves a clock, or waits (bounded) on a real one. */
export function presenceContract(
  name: string,
  store: () => PresenceStore,
  expire: (check: () => Promise<boolean>) => Promise<void>,
): void {
  describe(`${name}: presence`, () => {
    it('counts a user with several connections once, joining with the first and leaving with the last', async () => {
      const room = randomUUID()
      expect(await store().join(room, 'a1', alice, LONG)).toBe(true)
      expect(await store().join(room, 'b1', bob, LONG)).toBe(true)
      expect(await store().join(room, 'a2', alice, LONG)).toBe(false)
      expect(await store().members(room)).toEqual([alice, bob])
      expect(await store().leave(room, 'a1')).toBe(false)
      // Members come in the order of their earliest connection still open.
      expect(await store().members(room)).toEqual([bob, alice])
      expect(await store().leave(room, 'a2')).toBe(true)
      expect(await store().members(room)).toEqual([bob])
      expect(await store().leave(room, 'a2')).toBe(false)
    })

    it('keeps rooms apart', async () => {
      const [one, two] = [randomUUID(), randomUUID()]
      await store().join(one, 'a', alice, LONG)
      expect(await store().members(two)).toEqual([])
    })

    it('lets unrefreshed connections expire, and reports each departure once', async () => {
      const room = randomUUID()
      await store().join(room, 'a1', alice, 1)
      await store().join(room, 'b1', bob, 1)
      await store().join(room, 'b2', bob, LONG)
      await store().refresh(room, ['b1'], LONG)
      await expire(async () => (await store().members(room)).length === 1)
      expect(await store().members(room)).toEqual([bob])
      const departures = await store().sweep()
      expect(departures.filter((d) => d.room === room)).toEqual([{ room, member: alice }])
      expect((await store().sweep()).filter((d) => d.room === room)).toEqual([])
      expect(await store().join(room, 'a3', alice, LONG)).toBe(true)
    })
  })
}
