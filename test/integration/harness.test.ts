// The test harness itself: every caller gets a database of its own, and cleanup really removes it.
import { existsSync } from 'node:fs'
import pg from 'pg'
import { describe, expect, inject, it, onTestFinished } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'

async function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<R>(text, values)).rows
  } finally {
    await client.end()
  }
}

async function fresh(): Promise<TestDatabase> {
  const database = await createTestDatabase()
  onTestFinished(() => database.cleanup())
  return database
}

function databaseName(database: TestDatabase): string {
  if (!database.databaseUrl) throw new Error('expected a database URL')
  return new URL(database.databaseUrl).pathname.slice(1)
}

describe('test harness', () => {
  it('creates a usable database and removes it on cleanup', async () => {
    const database = await fresh()
    expect(database.kind).toBe(inject('databaseKind'))
    expect(existsSync(database.dataDir)).toBe(true)

    if (database.kind === 'postgres') {
      const name = databaseName(database)
      const rows = await query(database.databaseUrl as string, 'select 1 as one, current_database() as name')
      expect(rows).toEqual([{ one: 1, name }])

      await database.cleanup()
      const left = await query(
        inject('postgresUrl') as string,
        'select 1 from pg_database where datname = $1',
        [name],
      )
      expect(left).toEqual([])
    } else {
      expect(database.databaseUrl).toBeUndefined()
      await database.cleanup()
    }

    expect(existsSync(database.dataDir)).toBe(false)
    await database.cleanup() // idempotent
  })

  it('gives every caller a database of its own', async () => {
    const [a, b] = await Promise.all([fresh(), fresh()])
    expect(a.dataDir).not.toBe(b.dataDir)
    if (a.kind === 'postgres') expect(databaseName(a)).not.toBe(databaseName(b))
  })
})
