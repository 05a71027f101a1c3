// A thin bridge from Node's built-in node:sqlite to Kysely's SqliteDialect, with a prepared-statement cache.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

export interface SqliteOptions {
  /** How many prepared statements to keep; the query builder produces a small, fixed set of SQL texts. */
  statementCacheSize?: number
}

// node:sqlite binds numbers, strings, bigints, buffers and null; booleans become 0/1 as SQLite stores them.
function bindable(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : (p as SQLInputValue)))
}

class CachedStatement implements SqliteStatement {
  readonly reader: boolean
  readonly #statement: StatementSync

  constructor(statement: StatementSync) {
    this.#statement = statement
    this.reader = statement.columns().length > 0
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#statement.all(...bindable(parameters))
  }

  run(parameters: ReadonlyArray<unknown>) {
    return this.#statement.run(...bindable(parameters))
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#statement.iterate(...bindable(parameters))
  }
}

export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync
  readonly #cache = new Map<string, CachedStatement>()
  readonly #cacheSize: number

  constructor(path: string, options: SqliteOptions = {}) {
    this.#cacheSize = options.statementCacheSize ?? 200
    this.#db = new DatabaseSync(path)
    // WAL lets readers run beside the writer; busy_timeout waits out another process's write lock.
    this.#db.exec('PRAGMA journal_mode = WAL')
    this.#db.exec('PRAGMA synchronous = NORMAL')
    this.#db.exec('PRAGMA foreign_keys = ON')
    this.#db.exec('PRAGMA busy_timeout = 5000')
  }

  prepare(sql: string): SqliteStatement {
    const cached = this.#cache.get(sql)
    if (cached) {
      // Re-insert to keep the map in least-recently-used order.
      this.#cache.delete(sql)
      this.#cache.set(sql, cached)
      return cached
    }
    const statement = new CachedStatement(this.#db.prepare(sql))
    this.#cache.set(sql, statement)
    if (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value
      if (oldest !== undefined) this.#cache.delete(oldest)
    }
    return statement
  }

  get cachedStatements(): number {
    return this.#cache.size
  }

  close(): void {
    this.#cache.clear()
    if (this.#db.isOpen) this.#db.close()
  }
}
