// A thin bridge from Node's built-in node:sqlite to Kysely's SqliteDialect, with a prepared-statement cache.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import type { SqliteDatabase, SqliteStatement } from 'kysely'
import { LRUCache } from 'lru-cache'
import { UnavailableError } from '../../domain/errors.ts'
import type { Outage } from '../outage.ts'

export interface SqliteOptions {
  /** How many prepared statements to keep; the query builder produces a small, fixed set of SQL texts. */
  statementCacheSize?: number
  /** Milliseconds a statement waits for another process's write lock before it fails (default 5000). */
  busyTimeoutMs?: number
  /** Told when the file cannot be used (locked past busy_timeout, full, unreadable) and when it can again. */
  outage?: Outage
}

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

export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync
  readonly #cache: LRUCache<string, CachedStatement>
  readonly #outage: Outage | undefined

  constructor(path: string, options: SqliteOptions = {}) {
    this.#cache = new LRUCache({ max: options.statementCacheSize ?? 200 })
    this.#outage = options.outage
    this.#db = new DatabaseSync(path)
    // WAL lets readers run beside the writer; busy_timeout waits out another process's write lock.
    this.#db.exec('PRAGMA journal_mode = WAL')
    this.#db.exec('PRAGMA synchronous = NORMAL')
    this.#db.exec('PRAGMA foreign_keys = ON')
    this.#db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`)
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
    this.#cache.clear()
    if (this.#db.isOpen) this.#db.close()
  }
}
