// Topics: what a realtime client subscribes to, and which topics each domain event belongs to. Every event is
// numbered within each of its topics by an offset that only grows, so a client that reconnects can ask for
// what it missed after the last offset it saw.
import type { MaybeActor } from './actor.ts'
import { InvalidInputError } from './errors.ts'
import type { DomainEvent } from './events.ts'
import { normaliseId } from './ids.ts'
import { requireActor } from './policy.ts'
import { checkRoomName } from './rooms.ts'

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
    case 'presence':
      return [`room:${event.room}`]
    default:
      return []
  }
}

/** A topic as a client names it: `items`, `item:{id}`, `notifications` (one's own), `room:{name}`. */
export type ClientTopic =
  | { kind: 'items' }
  | { kind: 'item'; id: string }
  | { kind: 'notifications' }
  | { kind: 'room'; name: string }

/** Reads a topic a client sent; InvalidInputError at `pointer` when it is no topic. */
export function parseTopic(topic: string, pointer = '/topic'): ClientTopic {
  if (topic === 'items') return { kind: 'items' }
  if (topic === 'notifications') return { kind: 'notifications' }
  const [kind, rest] = [topic.slice(0, topic.indexOf(':')), topic.slice(topic.indexOf(':') + 1)]
  if (kind === 'item') {
    const id = normaliseId(rest)
    if (!id) throw new InvalidInputError(pointer, 'names no item: item:{id} needs an item id')
    return { kind: 'item', id }
  }
  if (kind === 'room') return { kind: 'room', name: checkRoomName(rest, pointer) }
  throw new InvalidInputError(pointer, 'must be items, item:{id}, notifications or room:{name}')
}

/**
 * The bus topic that carries a client topic to this caller, once the caller may follow it: items are public;
 * notifications are the caller's own and rooms are for signed-in users.
 */
export function busTopic(actor: MaybeActor, topic: ClientTopic): string {
  switch (topic.kind) {
    case 'items':
      return 'items'
    case 'item':
      return `item:${topic.id}`
    case 'notifications':
      return `notifications:${requireActor(actor).id}`
    case 'room':
      requireActor(actor)
      return `room:${topic.name}`
  }
}
