// Domain events: every change to an item is announced after its write commits, for whoever listens
// (GraphQL subscriptions, WebSocket clients, notifications). Payloads are plain JSON, with types of their
// own: what goes out over the bus (and Redis) is decided here, not by whatever an entity gains.

/** An item as its events tell it: the fields anyone may read, after the change. */
export interface ItemSnapshot {
  id: string
  name: string
  priceCents: number
  description: string | null
  tags: string[]
  ownerId: string
  version: number
  createdAt: string
  updatedAt: string
}

export interface PriceChanged {
  kind: 'price-changed'
  itemId: string
  itemName: string
  oldPriceCents: number
  newPriceCents: number
}

/** A message as posted to a room: the event's own shape, so the room's entity can change apart from it. */
export interface PostedMessage {
  id: string
  room: string
  authorId: string
  authorName: string
  text: string
  createdAt: string
}

export type DomainEvent =
  | { type: 'item.created'; at: string; item: ItemSnapshot }
  | { type: 'item.updated'; at: string; item: ItemSnapshot }
  | { type: 'item.deleted'; at: string; itemId: string; ownerId: string }
  /** Addressed to one user: only they may receive it. */
  | { type: 'notification'; at: string; userId: string; notification: PriceChanged }
  /** Posted to a room: for the room's subscribers. */
  | { type: 'message.posted'; at: string; message: PostedMessage }
  /** Someone's first connection joined a room, or their last one left it. */
  | {
      type: 'presence'
      at: string
      room: string
      change: 'joined' | 'left'
      member: { userId: string; name: string }
    }

export interface EventPublisher {
  /** Announces events that have been committed; delivery is at most once, to listeners present now. */
  publish(...events: DomainEvent[]): Promise<void>
}

/** An event's offset in each of its topics. Offsets are opaque to clients; each store compares its own. */
export type Offsets = Readonly<Record<string, string>>

/** What a topic holds after an offset, from the bounded buffer. */
export interface Replay {
  events: { offset: string; event: DomainEvent }[]
  /** False when events after the offset were already dropped (or the offset is unknown): refetch instead. */
  complete: boolean
}

export interface EventBus extends EventPublisher {
  /**
   * Calls `listener` with every event published from now on, by any instance, and its offset in each of its
   * topics (src/domain/topics.ts); returns the unsubscribe.
   */
  subscribe(listener: (event: DomainEvent, offsets: Offsets) => void): () => void
  /** Up to `limit` events of `topic` after `offset`, oldest first, from the bounded buffer. */
  replay(topic: string, offset: string, limit: number): Promise<Replay>
  close(): Promise<void>
}
