// Topics: what a realtime client subscribes to, and which topics each domain event belongs to. Every event is
// numbered within each of its topics by an offset that only grows, so a client that reconnects can ask for
// what it missed after the last offset it saw.
import type { DomainEvent } from './events.ts'

/** The topics an event is delivered on: public item streams, a user's own notifications, a room. */
export function topicsOf(event: DomainEvent): string[] {
  switch (event.type) {
    case 'item.created':
    case 'item.updated':
      return ['items', `item:${event.item.id}`]
    case 'item.deleted':
      return ['items', `item:${event.itemId}`]
    case 'notification':
      return [`notifications:${event.userId}`]
    case 'message.posted':
      return [`room:${event.message.room}`]
    default:
      return []
  }
}
