// The hottest reads on SQLite go to a read-only connection of their own (DatabaseHandle.read): they are
// answered while a write transaction is open, from what is committed, and are logged like any query.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { compiled } from '../../src/adapters/db/compiled.ts'
import { type DatabaseHandle, openDatabase, sqlitePath } from '../../src/adapters/db/database.ts'
import { migrateToLatest } from '../../src/adapters/db/migrate.ts'
import { SqlUserRepository } from '../../src/adapters/db/user-repository.ts'

const user = (id: string) => ({
  id,
  username: `user${id.slice(-4)}`,
  email: `${id.slice(-4)}@example.com`,
  full_name: null,
  role: 'user' as const,
  disabled: false,
  password_hash: 'x',
  created_at: '2026-11-26T00:00:00.000Z',
  updated_at: '2026-11-26T00:00:00.000Z',
})

describe('direct reads on SQLite', () => {
  let dataDir: string
  let database: DatabaseHandle
  const queries: string[] = []

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trestle-read-'))
    queries.length = 0
    database = openDatabase({ url: '', dataDir, poolSize: 1, onQuery: (sql) => queries.push(sql) })
    await migrateToLatest(database.db)
  })
  afterEach(async () => {
    await database.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('refuse anything but a select', () => {
    const { db, read } = database
    expect(() => compiled(db, 1, (id: string) => db.deleteFrom('users').where('id', '=', id), read)).toThrow(
      /only a select/,
    )
  })

  it('answer while a write transaction is open, from what is committed only', async () => {
    const users = new SqlUserRepository(database.db, database.read)
    const id = '01900000-0000-7000-8000-000000000001'
    await database.db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values(user(id)).execute()
      // On Kysely's one connection this read would wait for the transaction, which waits for it.
      const during = await Promise.race([
        users.findById(id).then((found) => ({ found })),
        new Promise((resolve) => setTimeout(resolve, 2000, 'still waiting')),
      ])
      expect(during).toEqual({ found: undefined })
    })
    expect((await users.findById(id))?.username).toBe(user(id).username)
  })

  it('are logged as every query is', async () => {
    const users = new SqlUserRepository(database.db, database.read)
    await users.findById('01900000-0000-7000-8000-000000000002')
    expect(queries.at(-1)).toMatch(/^select .* from "users" where "id" = \?$/)
  })

  it('let the writer close last, which removes the WAL', async () => {
    const path = sqlitePath({ url: '', dataDir, poolSize: 1 })
    await new SqlUserRepository(database.db, database.read).findById('01900000-0000-7000-8000-000000000003')
    expect(existsSync(`${path}-wal`)).toBe(true)
    await database.close()
    expect(existsSync(`${path}-wal`)).toBe(false)
    database = openDatabase({ url: '', dataDir, poolSize: 1 })
  })
})
