// Catalog items: anyone reads, a signed-in user creates, the owner or an admin changes.
import { v7 as uuidv7 } from 'uuid'
import type { MaybeActor } from './actor.ts'
import { InvalidInputError, NotFoundError, PreconditionFailedError } from './errors.ts'
import { normaliseId } from './ids.ts'
import { toCents } from './money.ts'
import { assertCanEditItem, requireScope } from './policy.ts'

export const ITEM_NAME = { minLength: 1, maxLength: 200 } as const
export const ITEM_DESCRIPTION = { maxLength: 5000 } as const
export const ITEM_TAGS = { maxItems: 10, maxLength: 32, pattern: '^[^\\s,\\u0000]{1,32}$' } as const
export const PAGE = { defaultLimit: 20, maxLimit: 100 } as const

export interface Item {
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

export interface ItemInput {
  name: string
  /** USD amount with at most two decimals. */
  price: number
  description?: string | null
  tags?: string[]
}

export type ItemPatch = Partial<ItemInput>

export type ItemSort = 'created_at' | '-created_at' | 'price' | '-price' | 'name' | '-name'

export interface ItemFilter {
  q?: string
  minPriceCents?: number
  maxPriceCents?: number
  ownerId?: string
  tag?: string
}

/** Where a page starts: the sort key and id of the last item of the previous page. */
export interface ItemCursor {
  key: string | number
  id: string
}

export interface ItemQuery extends ItemFilter {
  sort: ItemSort
  limit: number
  after?: ItemCursor
}

export interface ItemChanges {
  name?: string
  priceCents?: number
  description?: string | null
  tags?: string[]
}

export interface ItemRepository {
  insert(item: Item): Promise<void>
  findById(id: string): Promise<Item | undefined>
  /** At most `limit` items in `sort` order, starting after the cursor. */
  list(query: ItemQuery): Promise<Item[]>
  /** Applies the changes and bumps the version if the version is one of `versions` (any when omitted). */
  update(
    id: string,
    changes: ItemChanges,
    updatedAt: string,
    versions?: readonly number[],
  ): Promise<Item | undefined>
  /** Deletes if the version is one of `versions` (any when omitted); false when nothing matched. */
  delete(id: string, versions?: readonly number[]): Promise<boolean>
}

export interface ListItemsInput extends Omit<ItemFilter, 'minPriceCents' | 'maxPriceCents'> {
  minPrice?: number
  maxPrice?: number
  sort?: ItemSort
  limit?: number
  after?: ItemCursor
}

export interface ItemPage {
  items: Item[]
  /** Cursor of the next page, when there is one. */
  next: ItemCursor | undefined
}

/** The sort key of an item for a sort order, as the cursor records it. */
export function sortKey(item: Item, sort: ItemSort): string | number {
  const field = sort.replace(/^-/, '')
  if (field === 'price') return item.priceCents
  if (field === 'name') return item.name
  return item.createdAt
}

function normaliseTags(tags: string[] | undefined): string[] {
  const unique = [...new Set((tags ?? []).map((t) => t.toLowerCase()))]
  if (unique.length > ITEM_TAGS.maxItems) {
    throw new InvalidInputError('/tags', `must have at most ${ITEM_TAGS.maxItems} tags`)
  }
  return unique
}

export class ItemService {
  readonly #items: ItemRepository
  readonly #now: () => Date

  constructor(deps: { items: ItemRepository; now?: () => Date }) {
    this.#items = deps.items
    this.#now = deps.now ?? (() => new Date())
  }

  async create(actor: MaybeActor, input: ItemInput): Promise<Item> {
    const owner = requireScope(actor, 'items:write')
    const now = this.#now().toISOString()
    const item: Item = {
      id: uuidv7(),
      name: input.name,
      priceCents: toCents(input.price),
      description: input.description ?? null,
      tags: normaliseTags(input.tags),
      ownerId: owner.id,
      version: 1,
      createdAt: now,
      updatedAt: now,
    }
    await this.#items.insert(item)
    return item
  }

  async get(id: string): Promise<Item> {
    const canonical = normaliseId(id)
    const item = canonical && (await this.#items.findById(canonical))
    if (!item) throw new NotFoundError('Item', id)
    return item
  }

  async list(input: ListItemsInput): Promise<ItemPage> {
    const limit = Math.min(Math.max(input.limit ?? PAGE.defaultLimit, 1), PAGE.maxLimit)
    const sort = input.sort ?? '-created_at'
    const query: ItemQuery = {
      sort,
      limit: limit + 1,
      ...(input.q !== undefined && { q: input.q }),
      ...(input.ownerId !== undefined && { ownerId: input.ownerId.toLowerCase() }),
      ...(input.tag !== undefined && { tag: input.tag.toLowerCase() }),
      ...(input.minPrice !== undefined && { minPriceCents: Math.ceil(input.minPrice * 100 - 1e-6) }),
      ...(input.maxPrice !== undefined && { maxPriceCents: Math.floor(input.maxPrice * 100 + 1e-6) }),
      ...(input.after !== undefined && { after: input.after }),
    }
    if (input.ownerId !== undefined && !normaliseId(input.ownerId)) return { items: [], next: undefined }
    const rows = await this.#items.list(query)
    const items = rows.slice(0, limit)
    const last = items.at(-1)
    const next = rows.length > limit && last ? { key: sortKey(last, sort), id: last.id } : undefined
    return { items, next }
  }

  /**
   * Changes an item. `ifMatch` holds the versions the caller last saw (from If-Match); a stale one fails
   * with PreconditionFailedError instead of overwriting someone else's change.
   */
  async update(actor: MaybeActor, id: string, patch: ItemPatch, ifMatch?: readonly number[]): Promise<Item> {
    const current = await this.get(id)
    assertCanEditItem(actor, current)
    const changes: ItemChanges = {}
    if (patch.name !== undefined) changes.name = patch.name
    if (patch.price !== undefined) changes.priceCents = toCents(patch.price)
    if (patch.description !== undefined) changes.description = patch.description
    if (patch.tags !== undefined) changes.tags = normaliseTags(patch.tags)
    const updated = await this.#items.update(current.id, changes, this.#now().toISOString(), ifMatch)
    if (updated) return updated
    return this.#explainMiss(current.id)
  }

  async delete(actor: MaybeActor, id: string, ifMatch?: readonly number[]): Promise<void> {
    const current = await this.get(id)
    assertCanEditItem(actor, current)
    if (await this.#items.delete(current.id, ifMatch)) return
    await this.#explainMiss(current.id)
  }

  // A conditional write matched no row: the item is gone, or at another version than If-Match named.
  async #explainMiss(id: string): Promise<never> {
    const now = await this.#items.findById(id)
    if (!now) throw new NotFoundError('Item', id)
    throw new PreconditionFailedError(`Item ${id} has changed: it is now at version ${now.version}.`)
  }
}
