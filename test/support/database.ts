// One isolated database per caller: a fresh data directory, plus (postgres project) a database of its own
// on the server that test/setup/postgres-global.ts started for the run.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { inject } from 'vitest'

export interface TestDatabase {
  kind: 'sqlite' | 'postgres'
  /** Undefined on SQLite: the app then keeps its database file in `dataDir`. */
  databaseUrl: string | undefined
  dataDir: string
  /** Drops the database (postgres) and removes `dataDir`. Safe to call more than once. */
  cleanup(): Promise<void>
}

async function withAdminClient<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const kind = inject('databaseKind') === 'postgres' ? 'postgres' : 'sqlite'
  const dataDir = await mkdtemp(join(tmpdir(), 'trestle-test-'))
  const removeDataDir = () => rm(dataDir, { recursive: true, force: true })

  if (kind === 'sqlite') {
    return { kind, databaseUrl: undefined, dataDir, cleanup: removeDataDir }
  }

  const adminUrl = inject('postgresUrl')
  const name = `t_${randomBytes(8).toString('hex')}`
  try {
    if (!adminUrl) {
      throw new Error('postgresUrl was not provided: is test/setup/postgres-global.ts the globalSetup?')
    }
    await withAdminClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`))
  } catch (error) {
    await removeDataDir()
    throw error
  }

  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  let cleaned: Promise<void> | undefined
  return {
    kind,
    databaseUrl: url.toString(),
    dataDir,
    cleanup() {
      cleaned ??= (async () => {
        try {
          await withAdminClient(adminUrl, (client) =>
            client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
          )
        } finally {
          await removeDataDir()
        }
      })()
      return cleaned
    },
  }
}
