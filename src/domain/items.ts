// Catalog items: anyone reads, a signed-in user creates, the owner or an admin changes.
import { v7 as uuidv7 } from 'uuid'
import type { MaybeActor } from './actor.ts'
import { InvalidInputError, NotFoundError, PreconditionFailedError } from './errors.ts'
import type { DomainEvent, EventPublisher } from './events.ts'
import { normaliseId } from './ids.ts'
import { toCents } from './money.ts'
import { assertCanEditItem, requireScope } from './policy.ts'

export const ITEM_NAME = { minLength: 1, maxLength: 200 } as const
export const ITEM_DESCRIPTION = { maxLength: 5000 } as const
export const ITEM_TAGS = { maxItems: 10, maxLength: 32, pattern: '^[^\\s,\\u0000]{1,32}$' } as const
const TAG_RE = new RegExp(ITEM_TAGS.pattern)
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
  /** The newest `limit` items of each owner, in one query. */
  newestByOwners(ownerIds: readonly string[], limit: number): Promise<Item[]>
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

// The field rules every transport's input meets; REST's schema repeats them for its OpenAPI document.
function checkName(name: string): void {
  if (name.length < ITEM_NAME.minLength || name.length > ITEM_NAME.maxLength || name.includes('\u0000')) {
    throw new InvalidInputError(
      '/name',
      `must be ${ITEM_NAME.minLength} to ${ITEM_NAME.maxLength} characters`,
    )
  }
}

function checkDescription(description: string | null | undefined): void {
  if (
    description != null &&
    (description.length > ITEM_DESCRIPTION.maxLength || description.includes('\u0000'))
  ) {
    throw new InvalidInputError('/description', `must be at most ${ITEM_DESCRIPTION.maxLength} characters`)
  }
}

function normaliseTags(tags: string[] | undefined): string[] {
  for (const [i, tag] of (tags ?? []).entries()) {
    if (!TAG_RE.test(tag))
      throw new InvalidInputError(`/tags/${i}`, 'must be 1 to 32 characters without spaces or commas')
  }
  const unique = [...new Set((tags ?? []).map((t) => t.toLowerCase()))]
  if (unique.length > ITEM_TAGS.maxItems) {
    throw new InvalidInputError('/tags', `must have at most ${ITEM_TAGS.maxItems} tags`)
  }
  return unique
}

/** Who watches which item: a watcher is told when the item's price changes. */
export interface WatchRepository {
  /** Idempotent. */
  add(userId: string, itemId: string, at: string): Promise<void>
  /** Idempotent. */
  remove(userId: string, itemId: string): Promise<void>
  watchersOf(itemId: string): Promise<string[]>
}

export interface ItemServiceDeps {
  items: ItemRepository
  watches: WatchRepository
  /** Where committed changes are announced. */
  events: EventPublisher
  now?: () => Date
}

export class ItemService {
  readonly #items: ItemRepository
  readonly #watches: WatchRepository
  readonly #events: EventPublisher
  readonly #now: () => Date

  constructor(deps: ItemServiceDeps) {
    this.#items = deps.items
    this.#watches = deps.watches
    this.#events = deps.events
    this.#now = deps.now ?? (() => new Date())
  }

  /** Starts watching an item (any signed-in user may watch any item). Idempotent. */
  async watch(actor: MaybeActor, itemId: string): Promise<void> {
    const watcher = requireScope(actor, 'items:read')
    const item = await this.get(itemId)
    await this.#watches.add(watcher.id, item.id, this.#now().toISOString())
  }

  /** Stops watching an item. Idempotent. */
  async unwatch(actor: MaybeActor, itemId: string): Promise<void> {
    const watcher = requireScope(actor, 'items:read')
    const item = await this.get(itemId)
    await this.#watches.remove(watcher.id, item.id)
  }

  async create(actor: MaybeActor, input: ItemInput): Promise<Item> {
    const owner = requireScope(actor, 'items:write')
    checkName(input.name)
    checkDescription(input.description)
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
    await this.#events.publish({ type: 'item.created', at: now, item })
    return item
  }

  async get(id: string): Promise<Item> {
    const canonical = normaliseId(id)
    const item = canonical && (await this.#items.findById(canonical))
    if (!item) throw new NotFoundError('Item', id)
    return item
  }

  /**
   * The first page (newest first) of several owners' items at once, for batched loading: one query
   * however many owners. Each owner's list holds `limit + 1` items at most, so a caller can tell
   * whether there is a next page.
   */
  async firstPagesByOwner(ownerIds: readonly string[], limit: number): Promise<Map<string, Item[]>> {
    const size = Math.min(Math.max(limit, 1), PAGE.maxLimit)
    const pages = new Map<string, Item[]>(ownerIds.map((id) => [id, []]))
    const valid = [...new Set(ownerIds.map((id) => normaliseId(id)).filter((id): id is string => !!id))]
    if (valid.length === 0) return pages
    for (const item of await this.#items.newestByOwners(valid, size + 1)) pages.get(item.ownerId)?.push(item)
    return pages
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
    if (patch.name !== undefined) {
      checkName(patch.name)
      changes.name = patch.name
    }
    checkDescription(patch.description)
    if (patch.price !== undefined) changes.priceCents = toCents(patch.price)
    if (patch.description !== undefined) changes.description = patch.description
    if (patch.tags !== undefined) changes.tags = normaliseTags(patch.tags)
    const updated = await this.#items.update(current.id, changes, this.#now().toISOString(), ifMatch)
    if (!updated) return this.#explainMiss(current.id)
    await this.#announceUpdate(actor, current, updated)
    return updated
  }

  async delete(actor: MaybeActor, id: string, ifMatch?: readonly number[]): Promise<void> {
    const current = await this.get(id)
    assertCanEditItem(actor, current)
    if (await this.#items.delete(current.id, ifMatch)) {
      const at = this.#now().toISOString()
      await this.#events.publish({ type: 'item.deleted', at, itemId: current.id, ownerId: current.ownerId })
      return
    }
    await this.#explainMiss(current.id)
  }

  // After the write: the change for everyone, and a notification for each watcher of a new price (but
  // the one who made the change, who knows).
  async #announceUpdate(actor: MaybeActor, before: Item, after: Item): Promise<void> {
    const at = after.updatedAt
    const events: DomainEvent[] = [{ type: 'item.updated', at, item: after }]
    if (before.priceCents !== after.priceCents) {
      for (const userId of await this.#watches.watchersOf(after.id)) {
        if (userId === actor?.id) continue
        events.push({
          type: 'notification',
          at,
          userId,
          notification: {
            kind: 'price-changed',
            itemId: after.id,
            itemName: after.name,
            oldPriceCents: before.priceCents,
            newPriceCents: after.priceCents,
          },
        })
      }
    }
    await this.#events.publish(...events)
  }

  // A conditional write matched no row: the item is gone, or at another version than If-Match named.
  async #explainMiss(id: string): Promise<never> {
    const now = await this.#items.findById(id)
    if (!now) throw new NotFoundError('Item', id)
    throw new PreconditionFailedError(`Item ${id} has changed: it is now at version ${now.version}.`)
  }
}
