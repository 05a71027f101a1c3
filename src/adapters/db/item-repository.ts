import {
  type ExpressionBuilder,
  type Insertable,
  type Kysely,
  PostgresAdapter,
  type RawBuilder,
  type Selectable,
  type SelectQueryBuilder,
  sql,
  type Transaction,
} from 'kysely'
import type { Item, ItemChanges, ItemQuery, ItemRepository } from '../../domain/items.ts'
import { searchable } from '../../domain/search.ts'
import { compiled, type DirectRead } from './compiled.ts'
import { type Transactions, transactions } from './group-commit.ts'
import type { Database, ItemsTable } from './schema.ts'

type ItemRow = Omit<Selectable<ItemsTable>, 'search_text'>
const COLUMNS = [
  'id',
  'name',
  'price_cents',
  'description',
  'tags',
  'owner_id',
  'version',
  'created_at',
  'updated_at',
] as const

// An insert's values, in the order of INSERT_COLUMNS (tags as JSON).
const INSERT_COLUMNS = [...COLUMNS, 'search_text'] as const
type InsertRow = [string, string, number, string | null, string, string, number, string, string, string]

// How many rows, in the page's order, a search on SQLite reads before it asks the trigram index instead:
// the worst case (matches just too sparse to fill a page here) costs this read plus sorting under
// limit × total / PROBE_ROWS matches, which balance near the square root of the table size.
const PROBE_ROWS = 20_000

const SORT_COLUMNS = { created_at: 'created_at', price: 'price_cents', name: 'name' } as const

function toItem(row: ItemRow): Item {
  return {
    id: row.id,
    name: row.name,
    priceCents: row.price_cents,
    description: row.description,
    // SQLite answers the JSON as text; pg parses PostgreSQL's jsonb.
    tags: typeof row.tags === 'string' ? (JSON.parse(row.tags) as string[]) : row.tags,
    ownerId: row.owner_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

// LIKE with the user's text taken literally.
function likePattern(text: string): string {
  return `%${searchable(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

// Whether the trigram index can find the text: it has no entry for less than three characters.
const hasTrigram = (text: string) => [...searchable(text)].length >= 3

type ItemsFrom = SelectQueryBuilder<Database, 'items', object>

// The filters of a listing but `q` and the cursor. A tag: on SQLite, its row in item_tags (whose index
// holds the tag first); on PostgreSQL, the GIN index of items.tags.
function filtered(from: ItemsFrom, query: ItemQuery, sqlite: boolean): ItemsFrom {
  let select = from
  if (query.minPriceCents !== undefined) select = select.where('price_cents', '>=', query.minPriceCents)
  if (query.maxPriceCents !== undefined) select = select.where('price_cents', '<=', query.maxPriceCents)
  if (query.ownerId !== undefined) select = select.where('owner_id', '=', query.ownerId)
  if (query.tag !== undefined && !sqlite) {
    select = select.where(sql<boolean>`tags @> ${JSON.stringify([query.tag])}::jsonb`)
  } else if (query.tag !== undefined) {
    const tag = query.tag
    select = select.where((eb: ExpressionBuilder<Database, 'items'>) =>
      eb.exists(
        eb
          .selectFrom('item_tags')
          .select('item_tags.item_id')
          .whereRef('item_tags.item_id', '=', 'items.id')
          .where('item_tags.tag', '=', tag),
      ),
    )
  }
  return select
}

export class SqlItemRepository implements ItemRepository {
  readonly #db: Kysely<Database>
  readonly #writes: Transactions<Database>
  readonly #sqlite: boolean
  // GET /items/{id}, and every write that checks the item first.
  readonly #byId: (on: Kysely<Database>, id: string) => Promise<ItemRow[]>
  // POST /items/: the row, and each tag.
  readonly #insert: (on: Kysely<Database>, ...row: InsertRow) => Promise<unknown>
  readonly #insertTag: (
    on: Kysely<Database>,
    itemId: string,
    tag: string,
    position: number,
  ) => Promise<unknown>

  /** `read`: where the database offers one, the hot reads' own connection (DatabaseHandle.read). */
  constructor(db: Kysely<Database>, read?: DirectRead) {
    this.#db = db
    this.#writes = transactions(db)
    this.#sqlite = !(db.getExecutor().adapter instanceof PostgresAdapter)
    this.#insert = compiled(db, INSERT_COLUMNS.length, (...row: InsertRow) =>
      db
        .insertInto('items')
        .values(
          Object.fromEntries(INSERT_COLUMNS.map((column, i) => [column, row[i]])) as Insertable<ItemsTable>,
        ),
    )
    this.#insertTag = compiled(db, 3, (item_id: string, tag: string, position: number) =>
      db.insertInto('item_tags').values({ item_id, tag, position }),
    )
    this.#byId = compiled(
      db,
      1,
      (id: string) => db.selectFrom('items').select(COLUMNS).where('id', '=', id),
      read,
    )
  }

  async insert(item: Item): Promise<void> {
    await this.#writes.run(async (trx) => {
      await this.#insert(
        trx,
        item.id,
        item.name,
        item.priceCents,
        item.description,
        JSON.stringify(item.tags),
        item.ownerId,
        item.version,
        item.createdAt,
        item.updatedAt,
        searchable(item.name, item.description),
      )
      for (const [position, tag] of item.tags.entries()) await this.#insertTag(trx, item.id, tag, position)
    })
  }

  async findById(id: string): Promise<Item | undefined> {
    const [row] = await this.#byId(this.#db, id)
    return row && toItem(row)
  }

  async list(query: ItemQuery): Promise<Item[]> {
    const descending = query.sort.startsWith('-')
    const column = SORT_COLUMNS[query.sort.replace(/^-/, '') as keyof typeof SORT_COLUMNS]
    const direction = descending ? 'desc' : 'asc'
    let from = this.#db.selectFrom('items')
    if (query.after !== undefined) {
      const { key, id } = query.after
      const op = descending ? '<' : '>'
      // A row-value comparison: both engines seek the (column, id) index to it, so a deep page costs what the
      // first does (the equivalent OR of two comparisons made SQLite scan from the start).
      from = from.where((eb) => eb(eb.refTuple(column, 'id'), op, eb.tuple(key as never, id)))
    }
    // A page of a source in the listing's order.
    const page = (source: ItemsFrom) =>
      source.select(COLUMNS).orderBy(column, direction).orderBy('id', direction).limit(query.limit).execute()
    let select = filtered(from, query, this.#sqlite)
    let rows: ItemRow[] | undefined
    // SQLite has no default LIKE escape character, so both engines are told it.
    const like =
      query.q === undefined ? undefined : sql<boolean>`search_text like ${likePattern(query.q)} escape '\\'`
    // SQLite: the trigram index answers the text and the tag alike. PostgreSQL: pg_trgm's index serves the
    // LIKE, and the planner ANDs it with the tags' GIN index (or uses that alone for a tag).
    const indexed = this.#sqlite ? this.#searchMatch(query.q, query.tag) : like
    if (indexed !== undefined) {
      // A common text or tag: the next PROBE_ROWS rows in order (one index range scan, whatever the filters)
      // hold a page of matches, found by reading them; cheaper than sorting the index's many matches. A
      // rarer one: the index names the few matching rows and only those are sorted.
      const head = from.selectAll().orderBy(column, direction).orderBy('id', direction).limit(PROBE_ROWS)
      // The head has every column of items under the table's own name, so the same filters apply to it.
      let probe = filtered(this.#db.selectFrom(head.as('items')) as typeof from, query, this.#sqlite)
      if (like) probe = probe.where(like)
      const found = await page(probe)
      if (found.length === query.limit) rows = found
    }
    if (indexed !== undefined && indexed !== like) select = select.where(indexed)
    // On SQLite a trigram match of the text is the substring already.
    if (like && !(this.#sqlite && hasTrigram(query.q ?? ''))) select = select.where(like)
    // The read in order found the matches sparse. PostgreSQL's estimate assumes them spread evenly and may
    // walk the order's index until a page is found (805,067 rows for `q=teapot 1`, 217 ms); behind OFFSET 0
    // it takes them from the trigram index instead and sorts them (2,249 rows, 14 ms).
    const source =
      like && !this.#sqlite
        ? (this.#db.selectFrom(select.selectAll().offset(0).as('items')) as typeof from)
        : select
    rows ??= await page(source)
    return rows.map(toItem)
  }

  // The trigram index's rows (migration 0007) for the text, when it is long enough to have a trigram, and
  // the tag, as its JSON string within the tags (item_tags then checks it exactly); undefined with neither.
  #searchMatch(text: string | undefined, tag: string | undefined) {
    const phrase = (column: string, value: string) => `${column} : "${value.replaceAll('"', '""')}"`
    const match = [
      ...(text !== undefined && hasTrigram(text) ? [phrase('search_text', searchable(text))] : []),
      ...(tag === undefined ? [] : [phrase('tags', JSON.stringify(tag))]),
    ]
    if (match.length === 0) return undefined
    return sql<boolean>`items.rowid in (select rowid from items_search where items_search match ${match.join(' AND ')})`
  }

  async update(
    id: string,
    changes: ItemChanges,
    updatedAt: string,
    versions?: readonly number[],
  ): Promise<Item | undefined> {
    return this.#writes.run(async (trx) => {
      const searchText = this.#searchTextAfter(changes)
      let update = trx
        .updateTable('items')
        .set((eb) => ({
          ...(changes.name !== undefined && { name: changes.name }),
          ...(changes.priceCents !== undefined && { price_cents: changes.priceCents }),
          ...(changes.description !== undefined && { description: changes.description }),
          ...(changes.tags !== undefined && { tags: JSON.stringify(changes.tags) }),
          ...(searchText && { search_text: searchText }),
          version: eb('version', '+', 1),
          updated_at: updatedAt,
        }))
        .where('id', '=', id)
      if (versions) update = update.where('version', 'in', versions.length > 0 ? [...versions] : [-1])
      const row = await update.returning(COLUMNS).executeTakeFirst()
      if (!row) return undefined
      if (changes.tags !== undefined) {
        await trx.deleteFrom('item_tags').where('item_id', '=', id).execute()
        await this.#writeTags(trx, id, changes.tags)
      }
      return toItem(row)
    })
  }

  // An edit's search text, in the same UPDATE as the edit (a second one rewrote the search index's row
  // again). searchable(name, description) is the two apart by a newline, and a name is one line: so the
  // part not edited is taken from the row as it is when the UPDATE runs, not as it was read before.
  #searchTextAfter({ name, description }: ItemChanges): RawBuilder<string> | undefined {
    if (name === undefined && description === undefined) return undefined
    if (name !== undefined && description !== undefined) {
      return sql<string>`cast(${searchable(name, description)} as text)`
    }
    const newline = this.#sqlite ? sql`instr(search_text, char(10))` : sql`strpos(search_text, chr(10))`
    if (name !== undefined) {
      const rest = sql`coalesce(substr(search_text, nullif(${newline}, 0)), '')`
      return sql<string>`cast(${searchable(name)} as text) || ${rest}`
    }
    const namePart = sql`case when ${newline} > 0 then substr(search_text, 1, ${newline} - 1) else search_text end`
    const rest = description == null ? '' : `\n${searchable(description)}`
    return sql<string>`${namePart} || cast(${rest} as text)`
  }

  async delete(id: string, versions?: readonly number[]): Promise<boolean> {
    let del = this.#db.deleteFrom('items').where('id', '=', id)
    if (versions) del = del.where('version', 'in', versions.length > 0 ? [...versions] : [-1])
    const result = await del.executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async #writeTags(trx: Transaction<Database>, itemId: string, tags: string[]): Promise<void> {
    if (tags.length === 0) return
    await trx
      .insertInto('item_tags')
      .values(tags.map((tag, position) => ({ item_id: itemId, tag, position })))
      .execute()
  }

  async newestByOwners(ownerIds: readonly string[], limit: number): Promise<Item[]> {
    // One query for every owner: number each owner's items newest first, keep the first `limit`.
    const ranked = this.#db
      .selectFrom('items')
      .select([
        ...COLUMNS,
        sql<number>`row_number() over (partition by owner_id order by created_at desc, id desc)`.as('rank'),
      ])
      .where('owner_id', 'in', [...ownerIds])
    const rows = await this.#db
      .selectFrom(ranked.as('ranked'))
      .select(COLUMNS)
      .where('rank', '<=', limit)
      .orderBy('owner_id')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute()
    return rows.map(toItem)
  }
}
