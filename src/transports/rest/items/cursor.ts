// Opaque page cursors: the sort they belong to and the last item's sort key and id, base64url-encoded.
import type { ItemCursor, ItemSort } from '../../../domain/items.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function encodeCursor(sort: ItemSort, cursor: ItemCursor): string {
  return Buffer.from(JSON.stringify([sort, cursor.key, cursor.id])).toString('base64url')
}

/** Reads a cursor made for this sort order; undefined when it is not one. */
export function decodeCursor(text: string, sort: ItemSort): ItemCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
    if (!Array.isArray(value) || value.length !== 3) return undefined
    const [forSort, key, id] = value as unknown[]
    const keyOk = sort.endsWith('price') ? Number.isSafeInteger(key) : typeof key === 'string'
    if (forSort !== sort || !keyOk || typeof id !== 'string' || !UUID.test(id)) return undefined
    return { key: key as string | number, id }
  } catch {
    return undefined
  }
}
