// How domain objects look on the wire, for every transport that speaks JSON (REST bodies, WebSocket
// frames): snake_case fields, prices in dollars. Money is cents inside; this is the edge.
import type { Item } from '../../domain/items.ts'
import { fromCents } from '../../domain/money.ts'
import type { RoomMessage } from '../../domain/rooms.ts'

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
    price: fromCents(item.priceCents),
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

export function messageView(message: RoomMessage): MessageView {
  return {
    id: message.id,
    room: message.room,
    author: { id: message.authorId, name: message.authorName },
    text: message.text,
    created_at: message.createdAt,
  }
}
