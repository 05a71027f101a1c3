// Group commit on SQLite: concurrent units of work share transactions, yet each gets the answer it would
// have had alone, and none is answered unless its transaction committed.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { transactions } from '../../src/adapters/db/group-commit.ts'
import { NodeSqliteDatabase } from '../../src/adapters/db/sqlite.ts'
import { UnavailableError } from '../../src/domain/errors.ts'

interface DB {
  parent: { id: number }
  child: { id: number; parent_id: number }
}

let db: Kysely<DB>
let begins: number

beforeEach(async () => {
  begins = 0
  db = new Kysely<DB>({
    dialect: new SqliteDialect({ database: new NodeSqliteDatabase(':memory:') }),
    log: (event) => {
      if (/^begin/i.test(event.query.sql)) begins++
    },
  })
  await db.schema
    .createTable('parent')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .execute()
  // Checked at commit: a unit that breaks it makes its transaction's COMMIT fail.
  await sql`create table child (
    id integer primary key,
    parent_id integer references parent (id) deferrable initially deferred
  )`.execute(db)
  await sql`pragma foreign_keys = on`.execute(db)
  await db.insertInto('parent').values({ id: 1 }).execute()
})
afterEach(() => db.destroy())

const ids = async (table: 'parent' | 'child') =>
  (await db.selectFrom(table).select('id').orderBy('id').execute()).map((r) => r.id)

describe('group commit', () => {
  it('answers a failing unit with its own error and commits every other one', async () => {
    const writes = transactions(db)
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        writes.run(async (trx) => {
          // Unit 7 inserts a duplicate key: it fails, the other nineteen must not.
          await trx
            .insertInto('parent')
            .values({ id: i === 7 ? 1 : 100 + i })
            .execute()
          return i
        }),
      ),
    )
    expect(results[7]?.status).toBe('rejected')
    expect(String((results[7] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/)
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual(
      [...Array(20).keys()].filter((i) => i !== 7),
    )
    expect(await ids('parent')).toEqual([
      1,
      ...[...Array(20).keys()].filter((i) => i !== 7).map((i) => 100 + i),
    ])
  })

  it('answers no unit whose commit failed, and reruns the others alone', async () => {
    const writes = transactions(db)
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        // Unit 4 points at a parent that does not exist: only COMMIT finds out.
        writes.run((trx) =>
          trx
            .insertInto('child')
            .values({ id: i, parent_id: i === 4 ? 99 : 1 })
            .execute(),
        ),
      ),
    )
    expect(results.map((r) => r.status)).toEqual(results.map((_, i) => (i === 4 ? 'rejected' : 'fulfilled')))
    expect(await ids('child')).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9])
  })

  it('shares transactions between units that arrive together', async () => {
    const writes = transactions(db)
    begins = 0
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        writes.run((trx) =>
          trx
            .insertInto('parent')
            .values({ id: 10 + i })
            .execute(),
        ),
      ),
    )
    expect((await ids('parent')).length).toBe(51)
    expect(begins).toBe(1)
  })

  it('shares a transaction between units sent from separate callbacks, as requests read in one turn are', async () => {
    const writes = transactions(db)
    begins = 0
    const sent = await new Promise<Promise<unknown>[]>((resolve) => {
      const units: Promise<unknown>[] = []
      for (let i = 0; i < 10; i++) {
        setImmediate(() => {
          units.push(
            writes.run((trx) =>
              trx
                .insertInto('parent')
                .values({ id: 200 + i })
                .execute(),
            ),
          )
          if (units.length === 10) resolve(units)
        })
      }
    })
    await Promise.all(sent)
    expect((await ids('parent')).length).toBe(11)
    expect(begins).toBe(1)
  })

  it('answers a whole batch at once when the database is locked, not one timeout per unit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trestle-group-'))
    const path = join(dir, 'locked.sqlite')
    const file = new Kysely<DB>({
      dialect: new SqliteDialect({ database: new NodeSqliteDatabase(path, { busyTimeoutMs: 200 }) }),
    })
    await file.schema
      .createTable('parent')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .execute()
    // Another process's writer holds the lock.
    const other = new DatabaseSync(path)
    other.exec('begin immediate')
    try {
      const writes = transactions(file)
      const started = performance.now()
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          writes.run((trx) => trx.insertInto('parent').values({ id: i }).execute()),
        ),
      )
      expect(results.every((r) => r.status === 'rejected' && r.reason instanceof UnavailableError)).toBe(true)
      // One wait for the first unit, one for the batch of the nine others (ten waits would be 2 s).
      expect(performance.now() - started).toBeLessThan(1000)
    } finally {
      other.exec('rollback')
      other.close()
      await file.destroy()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
