// A query compiled once answers each call with that call's arguments, in their places.
import { Kysely, SqliteDialect } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { compiled } from '../../src/adapters/db/compiled.ts'
import { NodeSqliteDatabase } from '../../src/adapters/db/sqlite.ts'

interface DB {
  t: { id: number; owner: string; kind: string }
}
const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: new NodeSqliteDatabase(':memory:') }) })
afterAll(() => db.destroy())

describe('compiled queries', () => {
  it('refuse a query that leaves an argument out', () => {
    expect(() =>
      compiled(db, 2, (owner: string, _kind: string) =>
        db.selectFrom('t').selectAll().where('owner', '=', owner),
      ),
    ).toThrow(/argument 1/)
  })

  it('put each call’s arguments in their places, beside constant values', async () => {
    await db.schema
      .createTable('t')
      .addColumn('id', 'integer')
      .addColumn('owner', 'text')
      .addColumn('kind', 'text')
      .execute()
    await db
      .insertInto('t')
      .values([
        { id: 1, owner: 'a', kind: 'x' },
        { id: 2, owner: 'a', kind: 'y' },
        { id: 3, owner: 'b', kind: 'y' },
      ])
      .execute()
    const find = compiled(db, 2, (kind: string, owner: string) =>
      db
        .selectFrom('t')
        .select('id')
        .where('id', '>', 0)
        .where('owner', '=', owner)
        .where('kind', '=', kind)
        .orderBy('id'),
    )
    expect(await find(db, 'y', 'a')).toEqual([{ id: 2 }])
    expect(await find(db, 'y', 'b')).toEqual([{ id: 3 }])
    expect(await find(db, 'x', 'b')).toEqual([])
  })
})
