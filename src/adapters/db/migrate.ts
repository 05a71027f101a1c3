import type { Kysely } from 'kysely'
import { Migrator } from 'kysely/migration'
import { migrations } from './migrations/index.ts'

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
