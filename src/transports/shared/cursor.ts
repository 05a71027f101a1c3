// Opaque page cursors: the sort they belong to and the last item's sort key and id, base64url-encoded.
import { ItemName } from '../../domain/fields.ts'
import type { ItemCursor, ItemSort } from '../../domain/items.ts'
import { MAX_PRICE_CENTS } from '../../domain/money.ts'

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A time exactly as the domain writes it (toISOString): Date.parse alone takes 2026-02-30, which PostgreSQL refuses. */
export function isTimestamp(text: string): boolean {
  const time = Date.parse(text)
  return time >= 0 && new Date(time).toISOString() === text
}

// The key goes into SQL as a value: it must be one the column could hold, or PostgreSQL refuses it.
function validKey(sort: ItemSort, key: unknown): boolean {
  const field = sort.replace(/^-/, '')
  if (field === 'price')
    return Number.isSafeInteger(key) && (key as number) >= 0 && (key as number) <= MAX_PRICE_CENTS
  if (typeof key !== 'string') return false
  if (field === 'name') return key.length <= ItemName.maxLength && !key.includes('\u0000')
  return isTimestamp(key)
}

export function encodeCursor(sort: ItemSort, cursor: ItemCursor): string {
  return Buffer.from(JSON.stringify([sort, cursor.key, cursor.id])).toString('base64url')
}

/** Reads a cursor made for this sort order; undefined when it is not one. */
export function decodeCursor(text: string, sort: ItemSort): ItemCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
    if (!Array.isArray(value) || value.length !== 3) return undefined
    const [forSort, key, id] = value as unknown[]
    if (forSort !== sort || !validKey(sort, key) || typeof id !== 'string' || !UUID.test(id)) return undefined
    return { key: key as string | number, id }
  } catch {
    return undefined
  }
}
