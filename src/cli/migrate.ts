// `npm run migrate`: applies pending migrations to the configured database and exits.
import { openDatabase } from '../adapters/db/database.ts'
import { migrateDatabase } from '../adapters/db/migrate.ts'
import { ConfigError, loadSettings } from '../config.ts'

try {
  const settings = loadSettings()
  const options = { url: settings.DATABASE_URL, dataDir: settings.DATA_DIR, poolSize: 1 }
  const database = openDatabase(options)
  try {
    const applied = await migrateDatabase(database, options)
    console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'The database is up to date.')
  } finally {
    await database.close()
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error)
  process.exitCode = 1
}
