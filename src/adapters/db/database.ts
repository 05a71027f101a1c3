// Opens the configured database: a SQLite file by default, PostgreSQL when DATABASE_URL says so.
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Kysely, type LogEvent, PostgresDialect, SqliteDialect, sql } from 'kysely'
import type { Telemetry } from '../../domain/telemetry.ts'
import { Outage, type OutageLog } from '../outage.ts'
import type { DirectRead } from './compiled.ts'
import { openPostgresPool } from './postgres.ts'
import type { Database } from './schema.ts'
import { NodeSqliteDatabase, SqliteReader } from './sqlite.ts'

export type DatabaseKind = 'sqlite' | 'postgres'

export interface DatabaseHandle {
  db: Kysely<Database>
  kind: DatabaseKind
  /** SQLite (a file): the hottest reads' own read-only connection, for `compiled()`. */
  read?: DirectRead
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>
  /** The PostgreSQL pool's connections and waiting queries now (SQLite has no pool). */
  poolStats?(): { total: number; idle: number; waiting: number; max: number }
  close(): Promise<void>
}

export interface DatabaseOptions {
  url: string
  dataDir: string
  poolSize: number
  /** Milliseconds to wait for a connection (PostgreSQL), default 2000. */
  connectTimeoutMs?: number
  /** Milliseconds a statement may run (PostgreSQL) or wait for a lock (SQLite), default 5000. */
  queryTimeoutMs?: number
  /** Called with the SQL of every query run and its parameters (tests count them; bench/scale.ts explains them). */
  onQuery?: (sql: string, parameters: readonly unknown[]) => void
  /** Where an outage is reported, once when it starts and once when it ends. */
  log?: OutageLog
  /** Told how long each statement took. */
  telemetry?: Telemetry
  /** SQLite: how often the WAL is checkpointed, in ms (default 1000). */
  checkpointMs?: number
  /** SQLite: the WAL's size past which writes pause for it to start over (default 64 MB). */
  walLimitBytes?: number
}

const silent: OutageLog = { info() {}, error() {} }

function queryLog({ onQuery, telemetry }: DatabaseOptions) {
  if (!onQuery && !telemetry) return undefined
  return (event: LogEvent) => {
    onQuery?.(event.query.sql, event.query.parameters)
    telemetry?.queryFinished(event.queryDurationMillis, event.level === 'error')
  }
}

export function sqlitePath({ url, dataDir }: DatabaseOptions): string {
  if (url.startsWith('sqlite://')) return url.slice('sqlite://'.length)
  return join(dataDir, 'trestle.sqlite')
}

// The database holds password hashes: its directory is the owner's alone, and so is the file (SQLite gives
// its -wal and -shm files the main file's mode).
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  closeSync(openSync(path, 'a', 0o600))
}

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  const outage = new Outage('database', options.log ?? silent)
  if (/^postgres(ql)?:\/\//.test(options.url)) {
    const pool = openPostgresPool({
      url: options.url,
      poolSize: options.poolSize,
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      queryTimeoutMs: options.queryTimeoutMs ?? 5000,
      outage,
    })
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: queryLog(options) })
    const raw = pool.pg
    return {
      ...handle(db, 'postgres'),
      poolStats: () => ({
        total: raw.totalCount,
        idle: raw.idleCount,
        waiting: raw.waitingCount,
        max: options.poolSize,
      }),
    }
  }
  const path = sqlitePath(options)
  if (path !== ':memory:') createPrivately(path)
  // Kysely has one connection to SQLite: holding it holds every write while the WAL starts over.
  let restarting = false
  const restartWal = () => {
    if (restarting) return
    restarting = true
    db.connection()
      .execute(() => sqlite.restartWal())
      // Only a database being closed refuses the connection, and then there is nothing to start over.
      .catch(() => false)
      .finally(() => {
        restarting = false
      })
  }
  const sqlite = new NodeSqliteDatabase(path, {
    outage,
    busyTimeoutMs: options.queryTimeoutMs,
    checkpointMs: options.checkpointMs,
    walLimitBytes: options.walLimitBytes,
    onWalFull: restartWal,
  })
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: queryLog(options),
  })
  // A second connection to ':memory:' would be another, empty database.
  if (path === ':memory:') return handle(db, 'sqlite')
  const reader = new SqliteReader(path, { outage, busyTimeoutMs: options.queryTimeoutMs })
  return {
    ...handle(db, 'sqlite'),
    read: directRead(reader, options),
    close: async () => {
      // Before the writer, which closes last and so checkpoints and removes the WAL.
      reader.close()
      await db.destroy()
    },
  }
}

/** The reader's answers, logged and timed as Kysely's queries are. */
function directRead(reader: SqliteReader, { onQuery, telemetry }: DatabaseOptions): DirectRead {
  if (!onQuery && !telemetry) return (sql, parameters) => reader.all(sql, parameters)
  return (sql, parameters) => {
    onQuery?.(sql, parameters)
    const started = performance.now()
    try {
      const rows = reader.all(sql, parameters)
      telemetry?.queryFinished(performance.now() - started, false)
      return rows
    } catch (error) {
      telemetry?.queryFinished(performance.now() - started, true)
      throw error
    }
  }
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
