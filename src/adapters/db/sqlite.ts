// A thin bridge from Node's built-in node:sqlite to Kysely's SqliteDialect, with a prepared-statement cache.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import type { SqliteDatabase, SqliteStatement } from 'kysely'
import { LRUCache } from 'lru-cache'
import { UnavailableError } from '../../domain/errors.ts'
import type { Outage } from '../outage.ts'
import { Checkpoints } from './sqlite-checkpoints.ts'

export interface SqliteOptions {
  /** How many prepared statements to keep; the query builder produces a small, fixed set of SQL texts. */
  statementCacheSize?: number
  /** Milliseconds a statement waits for another process's write lock before it fails (default 5000). */
  busyTimeoutMs?: number
  /** Told when the file cannot be used (locked past busy_timeout, full, unreadable) and when it can again. */
  outage?: Outage
  /** How often a worker thread checkpoints the WAL (default 1000 ms); 0: SQLite does it, on the commit. */
  checkpointMs?: number
  /** How long without a write before the checkpoint worker stops, until the next write (default 30 s). */
  checkpointIdleMs?: number
  /** WAL size past which the checkpoints need a pause of the writes to start it over (default 64 MB). */
  walLimitBytes?: number
  /** Told when the WAL has passed `walLimitBytes`: hold the writes and call `restartWal()`. */
  onWalFull?: () => void
}

// The WAL file is cut back to this size when it starts over, instead of keeping its largest size for good;
// past it, the checkpoints have it start over (restartWal).
const WAL_SIZE_LIMIT = 64 * 1024 * 1024
// How long close() waits for the checkpoint worker to let go of the file.
const STOP_WAIT_MS = 2000

// Result codes that say the file cannot serve now rather than that the statement is wrong: BUSY, LOCKED,
// READONLY, IOERR, FULL, CANTOPEN (the low byte of an extended code is its primary code).
const UNAVAILABLE_CODES = new Set([5, 6, 8, 10, 13, 14])

function classify(error: unknown, outage: Outage | undefined): unknown {
  const code = (error as { errcode?: unknown }).errcode
  if (typeof code !== 'number' || !UNAVAILABLE_CODES.has(code & 0xff)) return error
  outage?.failed(error)
  return new UnavailableError('database', { cause: error, retryAfterSeconds: 1 })
}

// node:sqlite binds numbers, strings, bigints, buffers and null; booleans become 0/1 as SQLite stores them.
function bindable(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : (p as SQLInputValue)))
}

class CachedStatement implements SqliteStatement {
  readonly reader: boolean
  readonly #statement: StatementSync
  readonly #outage: Outage | undefined

  constructor(statement: StatementSync, outage: Outage | undefined) {
    this.#statement = statement
    this.#outage = outage
    this.reader = statement.columns().length > 0
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    try {
      const rows = this.#statement.all(...bindable(parameters))
      this.#outage?.succeeded()
      return rows
    } catch (error) {
      throw classify(error, this.#outage)
    }
  }

  run(parameters: ReadonlyArray<unknown>) {
    try {
      const result = this.#statement.run(...bindable(parameters))
      this.#outage?.succeeded()
      return result
    } catch (error) {
      throw classify(error, this.#outage)
    }
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#statement.iterate(...bindable(parameters))
  }
}

/**
 * A read-only connection of its own for the hottest reads (compiled.ts): a statement runs and answers at
 * once, without waiting for Kysely's single connection, and in WAL mode it reads what is committed, never
 * what an open write transaction has not yet committed.
 */
export class SqliteReader {
  readonly #db: DatabaseSync
  readonly #outage: Outage | undefined
  // Only compiled queries come here: a small, fixed set.
  readonly #statements = new Map<string, { statement: StatementSync; columns: string[] }>()

  /** Opens after the writer, which has made the file and put it in WAL mode. */
  constructor(path: string, options: Pick<SqliteOptions, 'busyTimeoutMs' | 'outage'> = {}) {
    this.#outage = options.outage
    this.#db = new DatabaseSync(path, { readOnly: true })
    this.#db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`)
  }

  all(sql: string, parameters: readonly unknown[]): unknown[] {
    try {
      let prepared = this.#statements.get(sql)
      if (!prepared) {
        const statement = this.#db.prepare(sql)
        // Rows as arrays, made into objects here: node:sqlite makes each row's keys anew, which cost more
        // (2.6 against 2.0 µs for an account).
        statement.setReturnArrays(true)
        prepared = { statement, columns: statement.columns().map((c) => c.name) }
        this.#statements.set(sql, prepared)
      }
      const { statement, columns } = prepared
      const rows = (statement.all(...bindable(parameters)) as unknown as unknown[][]).map((values) => {
        const row: Record<string, unknown> = {}
        for (let i = 0; i < columns.length; i++) row[columns[i] as string] = values[i]
        return row
      })
      this.#outage?.succeeded()
      return rows
    } catch (error) {
      throw classify(error, this.#outage)
    }
  }

  close(): void {
    this.#statements.clear()
    if (this.#db.isOpen) this.#db.close()
  }
}

export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync
  readonly #cache: LRUCache<string, CachedStatement>
  readonly #outage: Outage | undefined
  readonly #checkpoints: Checkpoints | undefined

  constructor(path: string, options: SqliteOptions = {}) {
    this.#cache = new LRUCache({ max: options.statementCacheSize ?? 200 })
    this.#outage = options.outage
    this.#db = new DatabaseSync(path)
    // WAL lets readers run beside the writer; busy_timeout waits out another process's write lock.
    this.#db.exec('PRAGMA journal_mode = WAL')
    this.#db.exec('PRAGMA synchronous = NORMAL')
    this.#db.exec('PRAGMA foreign_keys = ON')
    const busyTimeoutMs = Math.trunc(options.busyTimeoutMs ?? 5000)
    this.#db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`)
    const walLimitBytes = options.walLimitBytes ?? WAL_SIZE_LIMIT
    this.#db.exec(`PRAGMA journal_size_limit = ${walLimitBytes}`)
    const checkpointMs = options.checkpointMs ?? 1000
    if (path !== ':memory:' && checkpointMs > 0) {
      this.#db.exec('PRAGMA wal_autocheckpoint = 0')
      const [page] = this.#db.prepare('PRAGMA page_size').all() as { page_size: number }[]
      const totalChanges = this.#db.prepare('SELECT total_changes() AS n')
      this.#checkpoints = new Checkpoints({
        path,
        intervalMs: checkpointMs,
        busyTimeoutMs,
        restartFrames: Math.ceil(walLimitBytes / (page?.page_size ?? 4096)),
        idleMs: options.checkpointIdleMs ?? 30_000,
        changes: () => Number((totalChanges.get() as { n: number | bigint }).n),
        onWalFull: () => options.onWalFull?.(),
        onFailed: (error) => this.#outage?.failed(error),
      })
    }
  }

  /** Whether the checkpoint worker is running (it stops when writes stop). */
  get checkpointing(): boolean {
    return this.#checkpoints?.running ?? false
  }

  /**
   * Has the worker copy the rest of the WAL into the file and start it over. The caller holds every write
   * until this resolves (true: started over; false: the worker could not, or is gone): the worker takes the
   * write lock, and a write on this thread meanwhile would wait for it with the event loop stopped.
   */
  restartWal(): Promise<boolean> {
    return this.#checkpoints?.restartWal() ?? Promise.resolve(false)
  }

  prepare(sql: string): SqliteStatement {
    const cached = this.#cache.get(sql)
    if (cached) return cached
    let prepared: StatementSync
    try {
      prepared = this.#db.prepare(sql)
    } catch (error) {
      throw classify(error, this.#outage)
    }
    const statement = new CachedStatement(prepared, this.#outage)
    this.#cache.set(sql, statement)
    return statement
  }

  close(): void {
    // Kysely closes without waiting, and whoever closes next may delete the files: so this waits (a
    // millisecond or two, at most STOP_WAIT_MS) for the worker's connection to close before its own, which,
    // closing last, checkpoints what is left and removes the WAL.
    this.#checkpoints?.close(STOP_WAIT_MS)
    this.#cache.clear()
    if (this.#db.isOpen) this.#db.close()
  }
}
