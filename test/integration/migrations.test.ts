// A database made before migration 0007 keeps its items' tags when it is upgraded: the tags move onto each
// item's row in order, and a search among the items of a tag finds them on both engines; 0007 also goes
// back down.
import { sql } from 'kysely'
import { Migrator } from 'kysely/migration'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type DatabaseHandle, openDatabase } from '../../src/adapters/db/database.ts'
import { SqlItemRepository } from '../../src/adapters/db/item-repository.ts'
import { migrations } from '../../src/adapters/db/migrations/index.ts'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'

const BEFORE = '0006_retention_indexes'
const at = '2026-11-26T00:00:00.000Z'
const ids = ['01a215f8-a01a-7624-9e17-c0f72c5f2001', '01a215f8-a01a-7624-9e17-c0f72c5f2002'] as const

describe('migration 0007 (tags on the item row)', () => {
  let test: TestDatabase
  let database: DatabaseHandle
  let migrator: Migrator

  beforeEach(async () => {
    test = await createTestDatabase()
    database = openDatabase({ url: test.databaseUrl ?? '', dataDir: test.dataDir, poolSize: 2 })
    migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations } })
    expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined()
    // biome-ignore lint/suspicious/noExplicitAny: the schema before 0007 has no tags column
    const db = database.db as any
    await db
      .insertInto('users')
      .values({
        id: ids[0],
        username: 'old',
        email: 'old@example.com',
        role: 'user',
        disabled: false,
        password_hash: 'x',
        created_at: at,
        updated_at: at,
      })
      .execute()
    for (const [n, id] of ids.entries()) {
      const name = `Old mug ${n}`
      await db
        .insertInto('items')
        .values({
          id,
          name,
          price_cents: 100,
          search_text: name.toLowerCase(),
          owner_id: ids[0],
          version: 1,
          created_at: at,
          updated_at: at,
        })
        .execute()
    }
    await db
      .insertInto('item_tags')
      .values([
        { item_id: ids[0], tag: 'tea', position: 1 },
        { item_id: ids[0], tag: 'kitchen', position: 0 },
      ])
      .execute()
  })
  afterEach(async () => {
    await database.close()
    await test.cleanup()
  })

  it('moves each item’s tags onto its row, in order, and search by tag finds them', async () => {
    expect((await migrator.migrateToLatest()).error).toBeUndefined()
    const items = new SqlItemRepository(database.db)
    expect((await items.findById(ids[0]))?.tags).toEqual(['kitchen', 'tea'])
    expect((await items.findById(ids[1]))?.tags).toEqual([])
    const found = await items.list({ q: 'old mug', tag: 'tea', sort: '-created_at', limit: 10 })
    expect(found.map((item) => item.id)).toEqual([ids[0]])
  })

  it('goes back down to the search of 0005, which still finds the text', async () => {
    expect((await migrator.migrateToLatest()).error).toBeUndefined()
    expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined()
    const count = await sql<{
      n: number
    }>`select count(*) as n from items where search_text like ${'%old mug%'}`.execute(database.db)
    expect(Number(count.rows[0]?.n)).toBe(2)
    expect((await migrator.migrateToLatest()).error).toBeUndefined()
    const items = new SqlItemRepository(database.db)
    expect((await items.list({ q: 'mug 1', sort: '-created_at', limit: 10 })).map((i) => i.id)).toEqual([
      ids[1],
    ])
  })
})
