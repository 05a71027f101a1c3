// Catalog items: anyone reads, a signed-in user creates, the owner or an admin changes.
import { v7 as uuidv7 } from 'uuid'
import type { MaybeActor } from './actor.ts'
import { check } from './check.ts'
import { NotFoundError, PreconditionFailedError } from './errors.ts'
import type { DomainEvent, EventPublisher, ItemSnapshot } from './events.ts'
import {
  Description,
  type ITEM_SORTS,
  ItemName,
  ItemSortRule,
  PAGE,
  PageLimit,
  SearchText,
  Tag,
  TagList,
  Tags,
  Uuid,
} from './fields.ts'
import { normaliseId } from './ids.ts'
import { Price } from './money.ts'
import { assertCanEditItem, requireScope } from './policy.ts'

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
  priceCents: number
  description?: string | null
  tags?: string[]
}

export type ItemPatch = Partial<ItemInput>

export type ItemSort = (typeof ITEM_SORTS)[number]

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

export interface ListItemsInput extends ItemFilter {
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

/** What an item event carries: the fields anyone may read, copied one by one. */
export function itemSnapshot(item: Item): ItemSnapshot {
  return {
    id: item.id,
    name: item.name,
    priceCents: item.priceCents,
    description: item.description,
    tags: item.tags,
    ownerId: item.ownerId,
    version: item.version,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  }
}

// The rules (src/domain/fields.ts) every transport's input meets, and the normalisations, here once. Pointers
// name the fields as the API does.
function checkedChanges(patch: ItemPatch): ItemChanges {
  const changes: ItemChanges = {}
  if (patch.name !== undefined) {
    check(ItemName, patch.name, '/name')
    changes.name = patch.name
  }
  if (patch.priceCents !== undefined) {
    check(Price, patch.priceCents, '/price')
    changes.priceCents = patch.priceCents
  }
  if (patch.description !== undefined) {
    if (patch.description !== null) check(Description, patch.description, '/description')
    changes.description = patch.description
  }
  if (patch.tags !== undefined) changes.tags = normaliseTags(patch.tags)
  return changes
}

// Lower-cased and each once before they are counted: ["Tea", "tea"] is one tag.
function normaliseTags(tags: string[]): string[] {
  check(TagList, tags, '/tags')
  const unique = [...new Set(tags.map((t) => t.toLowerCase()))]
  check(Tags, unique, '/tags')
  return unique
}

function checkFilter(input: ListItemsInput): void {
  if (input.q !== undefined) check(SearchText, input.q, '/q')
  if (input.tag !== undefined) check(Tag, input.tag, '/tag')
  if (input.ownerId !== undefined) check(Uuid, input.ownerId, '/owner')
  if (input.minPriceCents !== undefined) check(Price, input.minPriceCents, '/min_price')
  if (input.maxPriceCents !== undefined) check(Price, input.maxPriceCents, '/max_price')
  if (input.limit !== undefined) check(PageLimit, input.limit, '/limit')
  if (input.sort !== undefined) check(ItemSortRule, input.sort, '/sort')
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
    check(ItemName, input.name, '/name')
    check(Price, input.priceCents, '/price')
    const fields = checkedChanges(input)
    const now = this.#now().toISOString()
    const item: Item = {
      id: uuidv7(),
      name: input.name,
      priceCents: input.priceCents,
      description: fields.description ?? null,
      tags: fields.tags ?? [],
      ownerId: owner.id,
      version: 1,
      createdAt: now,
      updatedAt: now,
    }
    await this.#items.insert(item)
    await this.#events.publish({ type: 'item.created', at: now, item: itemSnapshot(item) })
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
    checkFilter(input)
    const limit = input.limit ?? PAGE.defaultLimit
    const sort = input.sort ?? '-created_at'
    const query: ItemQuery = {
      sort,
      limit: limit + 1,
      ...(input.q !== undefined && { q: input.q }),
      ...(input.ownerId !== undefined && { ownerId: input.ownerId.toLowerCase() }),
      ...(input.tag !== undefined && { tag: input.tag.toLowerCase() }),
      ...(input.minPriceCents !== undefined && { minPriceCents: input.minPriceCents }),
      ...(input.maxPriceCents !== undefined && { maxPriceCents: input.maxPriceCents }),
      ...(input.after !== undefined && { after: input.after }),
    }
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
    // As REST does: who is asking, then what they sent, then whether they may.
    requireScope(actor, 'items:write')
    const changes = checkedChanges(patch)
    const current = await this.get(id)
    assertCanEditItem(actor, current)
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
    const events: DomainEvent[] = [{ type: 'item.updated', at, item: itemSnapshot(after) }]
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
