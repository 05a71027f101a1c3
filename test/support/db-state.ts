// Everything the database holds, as comparable data: what "a refused request changes nothing" compares.
import type { Kysely } from 'kysely'
import type { Database } from '../../src/adapters/db/schema.ts'

const TABLES = ['users', 'items', 'item_tags', 'refresh_tokens', 'watches', 'room_messages'] as const

export type DbState = Record<(typeof TABLES)[number], string[]>

export async function dbState(db: Kysely<Database>): Promise<DbState> {
  const tables = await Promise.all(TABLES.map((table) => db.selectFrom(table).selectAll().execute()))
  // Rows in a stable order whatever order the database returns them in.
  return Object.fromEntries(
    TABLES.map((table, i) => [table, (tables[i] ?? []).map((row) => JSON.stringify(row)).sort()]),
  ) as DbState
}
