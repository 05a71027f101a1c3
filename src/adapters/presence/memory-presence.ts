// Presence in one process: exact for one instance (and what tests run without Redis).
import type { Departure, PresenceMember, PresenceStore } from '../../domain/presence.ts'

interface Entry {
  member: PresenceMember
  expires: number
}

export class MemoryPresence implements PresenceStore {
  // room -> connection -> entry, in the order connections joined.
  readonly #rooms = new Map<string, Map<string, Entry>>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  async join(room: string, connectionId: string, member: PresenceMember, ttlMs: number): Promise<boolean> {
    const entries = this.#rooms.get(room) ?? new Map<string, Entry>()
    this.#rooms.set(room, entries)
    const first = !this.#present(entries, member.userId, connectionId)
    entries.set(connectionId, { member, expires: this.#now() + ttlMs })
    return first
  }

  async leave(room: string, connectionId: string): Promise<boolean> {
    const entries = this.#rooms.get(room)
    const entry = entries?.get(connectionId)
    if (!entries || !entry) return false
    entries.delete(connectionId)
    if (entries.size === 0) this.#rooms.delete(room)
    return !this.#present(entries, entry.member.userId, connectionId)
  }

  async refresh(room: string, connectionIds: readonly string[], ttlMs: number): Promise<void> {
    const entries = this.#rooms.get(room)
    for (const id of connectionIds) {
      const entry = entries?.get(id)
      if (entry) entry.expires = this.#now() + ttlMs
    }
  }

  async members(room: string): Promise<PresenceMember[]> {
    const now = this.#now()
    const seen = new Map<string, PresenceMember>()
    for (const entry of this.#rooms.get(room)?.values() ?? []) {
      if (entry.expires > now && !seen.has(entry.member.userId)) seen.set(entry.member.userId, entry.member)
    }
    return [...seen.values()]
  }

  async sweep(): Promise<Departure[]> {
    const now = this.#now()
    const departures: Departure[] = []
    for (const [room, entries] of this.#rooms) {
      for (const [id, entry] of entries) {
        if (entry.expires > now) continue
        if (await this.leave(room, id)) departures.push({ room, member: entry.member })
      }
    }
    return departures
  }

  async close(): Promise<void> {
    this.#rooms.clear()
  }

  #present(entries: Map<string, Entry>, userId: string, except: string): boolean {
    const now = this.#now()
    for (const [id, entry] of entries) {
      if (id !== except && entry.member.userId === userId && entry.expires > now) return true
    }
    return false
  }
}
