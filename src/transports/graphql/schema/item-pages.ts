// Item pages as connections, with the same opaque cursors as REST.
import type { Item, ItemSort } from '../../../domain/items.ts'
import { sortKey } from '../../../domain/items.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import { badRequest } from '../errors.ts'
import type { Page } from './connections.ts'

/** A connection from up to `first + 1` items (the extra one only says there is a next page). */
export function itemPage(
  items: Item[],
  first: number,
  sort: ItemSort,
  hasNext = items.length > first,
): Page<Item> {
  const shown = items.slice(0, first)
  const edges = shown.map((node) => ({
    cursor: encodeCursor(sort, { key: sortKey(node, sort), id: node.id }),
    node,
  }))
  return { edges, pageInfo: { hasNextPage: hasNext, endCursor: edges.at(-1)?.cursor ?? null } }
}

export function decodeItemCursor(after: string, sort: ItemSort) {
  const cursor = decodeCursor(after, sort)
  if (!cursor) throw badRequest('`after` is not a cursor of this listing.', 'BAD_USER_INPUT')
  return cursor
}
