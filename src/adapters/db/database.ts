// Opens the configured database: a SQLite file by default, PostgreSQL when DATABASE_URL says so.
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Kysely, type LogEvent, PostgresDialect, SqliteDialect, sql } from 'kysely'
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
  /** Called with the SQL of every query run (tests count them). */
  onQuery?: (sql: string) => void
  /** Told when an idle connection breaks (the server restarted, or ended it). */
  onIdleError?: (error: Error) => void
}

// Timestamps come back as ISO-8601 UTC strings on both engines, as the domain uses them.
const TIMESTAMPTZ_OID = 1184
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ_OID) return (value: string) => new Date(value).toISOString()
    return pg.types.getTypeParser(oid, format)
  },
}

function queryLog({ onQuery }: DatabaseOptions) {
  return onQuery ? (event: LogEvent) => onQuery(event.query.sql) : undefined
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
    // An idle connection that the server ends must not crash the process: the pool replaces it.
    pool.on('error', (error) => options.onIdleError?.(error))
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: queryLog(options) })
    return handle(db, 'postgres')
  }
  const path = sqlitePath(options)
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: new NodeSqliteDatabase(path) }),
    log: queryLog(options),
  })
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
