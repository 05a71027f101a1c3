// Domain events: every change to an item is announced after its write commits, for whoever listens
// (GraphQL subscriptions, WebSocket clients, notifications). Payloads are plain JSON.
import type { Item } from './items.ts'

export interface PriceChanged {
  kind: 'price-changed'
  itemId: string
  itemName: string
  oldPriceCents: number
  newPriceCents: number
}

export type DomainEvent =
  | { type: 'item.created'; at: string; item: Item }
  | { type: 'item.updated'; at: string; item: Item }
  | { type: 'item.deleted'; at: string; itemId: string; ownerId: string }
  /** Addressed to one user: only they may receive it. */
  | { type: 'notification'; at: string; userId: string; notification: PriceChanged }

export interface EventPublisher {
  /** Announces events that have been committed; delivery is at most once, to listeners present now. */
  publish(...events: DomainEvent[]): Promise<void>
}

export interface EventBus extends EventPublisher {
  /** Calls `listener` with every event published from now on, by any instance; returns the unsubscribe. */
  subscribe(listener: (event: DomainEvent) => void): () => void
  close(): Promise<void>
}
