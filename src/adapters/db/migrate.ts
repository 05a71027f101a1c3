import type { Kysely } from 'kysely'
import { Migrator } from 'kysely/migration'
import { type DatabaseHandle, type DatabaseOptions, openDatabase } from './database.ts'
import { migrations } from './migrations/index.ts'

// A migration may rewrite every row or index them all: on PostgreSQL at a million items that takes longer
// than the DATABASE_TIMEOUT a request's statement gets (migration 0007 was cut off at 5 s), so migrations
// there run on a connection of their own with this bound instead.
const MIGRATION_TIMEOUT_MS = 60 * 60 * 1000

/** Applies every pending migration; throws (naming the failed one) when one fails. */
export async function migrateToLatest(
  // biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type holds
  db: Kysely<any>,
): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const { error, results = [] } = await migrator.migrateToLatest()
  const failed = results.find((r) => r.status === 'Error')
  if (error) {
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error })
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/** Migrates `database`, opened with `options`; PostgreSQL's on a connection of its own, without DATABASE_TIMEOUT. */
export async function migrateDatabase(database: DatabaseHandle, options: DatabaseOptions): Promise<string[]> {
  if (database.kind !== 'postgres') return migrateToLatest(database.db)
  const own = openDatabase({ ...options, poolSize: 1, queryTimeoutMs: MIGRATION_TIMEOUT_MS })
  try {
    return await migrateToLatest(own.db)
  } finally {
    await own.close()
  }
}
