// Opens the configured database: a SQLite file by default, PostgreSQL when DATABASE_URL says so.
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.ts'
import { NodeSqliteDatabase } from './sqlite.ts'

export type DatabaseKind = 'sqlite' | 'postgres'

export interface DatabaseHandle {
  db: Kysely<Database>
  kind: DatabaseKind
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>
  close(): Promise<void>
}

export interface DatabaseOptions {
  url: string
  dataDir: string
  poolSize: number
}

// Timestamps come back as ISO-8601 UTC strings on both engines, as the domain uses them.
const TIMESTAMPTZ_OID = 1184
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ_OID) return (value: string) => new Date(value).toISOString()
    return pg.types.getTypeParser(oid, format)
  },
}

export function sqlitePath({ url, dataDir }: DatabaseOptions): string {
  if (url.startsWith('sqlite://')) return url.slice('sqlite://'.length)
  return join(dataDir, 'trestle.sqlite')
}

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  if (/^postgres(ql)?:\/\//.test(options.url)) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      types: pgTypes,
    })
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    return handle(db, 'postgres')
  }
  const path = sqlitePath(options)
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new NodeSqliteDatabase(path) }) })
  return handle(db, 'sqlite')
}

function handle(db: Kysely<Database>, kind: DatabaseKind): DatabaseHandle {
  return {
    db,
    kind,
    async ping() {
      await sql`select 1`.execute(db)
    },
    close: () => db.destroy(),
  }
}
