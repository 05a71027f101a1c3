// How domain objects look on the wire, for every transport that speaks JSON (REST bodies, WebSocket
// frames): snake_case fields, prices in dollars. Money is cents inside; this is the edge.
import type { DomainEvent, PostedMessage } from '../../domain/events.ts'
import type { Item } from '../../domain/items.ts'
import type { RoomMessage } from '../../domain/rooms.ts'
import { dollarsOf } from './money.ts'

export interface ItemView {
  id: string
  name: string
  price: number
  description: string | null
  tags: string[]
  owner_id: string
  version: number
  created_at: string
  updated_at: string
}

export function itemView(item: Item): ItemView {
  return {
    id: item.id,
    name: item.name,
    price: dollarsOf(item.priceCents),
    description: item.description,
    tags: item.tags,
    owner_id: item.ownerId,
    version: item.version,
    created_at: item.createdAt,
    updated_at: item.updatedAt,
  }
}

export interface MessageView {
  id: string
  room: string
  author: { id: string; name: string }
  text: string
  created_at: string
}

export function messageView(message: RoomMessage | PostedMessage): MessageView {
  return {
    id: message.id,
    room: message.room,
    author: { id: message.authorId, name: message.authorName },
    text: message.text,
    created_at: message.createdAt,
  }
}

/** A domain event as realtime clients receive it. */
export function eventView(event: DomainEvent): Record<string, unknown> {
  switch (event.type) {
    case 'item.created':
    case 'item.updated':
      return { type: event.type, at: event.at, item: itemView(event.item) }
    case 'item.deleted':
      return { type: event.type, at: event.at, item_id: event.itemId, owner_id: event.ownerId }
    case 'notification': {
      const n = event.notification
      return {
        type: event.type,
        at: event.at,
        notification: {
          kind: n.kind,
          item_id: n.itemId,
          item_name: n.itemName,
          old_price: dollarsOf(n.oldPriceCents),
          new_price: dollarsOf(n.newPriceCents),
        },
      }
    }
    case 'message.posted':
      return { type: event.type, at: event.at, message: messageView(event.message) }
    case 'presence':
      return {
        type: event.type,
        at: event.at,
        change: event.change,
        member: { id: event.member.userId, name: event.member.name },
      }
  }
}
