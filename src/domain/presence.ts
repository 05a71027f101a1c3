// Who is in a room: every open connection of a signed-in user, across instances. A user with several tabs is
// one member, who joins with the first connection and leaves with the last. Entries expire unless refreshed,
// so the connections of an instance that crashed disappear by themselves.

export interface PresenceMember {
  userId: string
  name: string
}

/** A member who left a room because their last connection there expired. */
export interface Departure {
  room: string
  member: PresenceMember
}

export interface PresenceStore {
  /** Records a connection in a room for `ttlMs`; true when it is the user's first there. */
  join(room: string, connectionId: string, member: PresenceMember, ttlMs: number): Promise<boolean>
  /** Removes a connection; true when it was the user's last in the room. */
  leave(room: string, connectionId: string): Promise<boolean>
  /** Keeps the connections present for another `ttlMs`. */
  refresh(room: string, connectionIds: readonly string[], ttlMs: number): Promise<void>
  /** The users present, each once, in the order they came. */
  members(room: string): Promise<PresenceMember[]>
  /** Drops expired connections; says who thereby left a room entirely. */
  sweep(): Promise<Departure[]>
  close(): Promise<void>
}
