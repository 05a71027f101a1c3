// Opaque cursors for pages of a room's messages (REST and GraphQL): the room they belong to and the last
// message's timestamp and id, base64url-encoded, like the item cursors beside this file.
import type { MessageCursor } from '../../domain/rooms.ts'
import { isTimestamp, UUID } from './cursor.ts'

export function encodeMessageCursor(room: string, cursor: MessageCursor): string {
  return Buffer.from(JSON.stringify([room, cursor.createdAt, cursor.id])).toString('base64url')
}

/** Reads a cursor made for this room; undefined when it is not one. */
export function decodeMessageCursor(text: string, room: string): MessageCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
    if (!Array.isArray(value) || value.length !== 3) return undefined
    const [forRoom, createdAt, id] = value as unknown[]
    // Both go into SQL as values: they must be ones the columns could hold, or PostgreSQL refuses them.
    if (forRoom !== room || typeof createdAt !== 'string' || typeof id !== 'string') return undefined
    if (!isTimestamp(createdAt) || !UUID.test(id)) return undefined
    return { createdAt, id }
  } catch {
    return undefined
  }
}
