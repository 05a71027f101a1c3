// Writes in transactions, with group commit on SQLite. SQLite has one writer, and a commit costs far more
// than the statements before it: it appends every page the transaction touched to the WAL (an item insert
// touches the table, five indexes and the FTS index: a third of POST /items/, npm run bench:profile). Units
// of work sent in one turn of the event loop share a transaction (those sent while it runs, the next one),
// and none is answered before the commit that holds it. Units are only database work, so when one fails the transaction is rolled
// back and each unit runs again in a transaction of its own. (Savepoints would isolate a failure without
// a rerun, but FTS5 writes its pending index data at every one, which cost more than the shared commit saved.)
// PostgreSQL commits concurrent transactions in parallel and groups its WAL flushes itself.
import { type Kysely, PostgresAdapter, type Transaction } from 'kysely'
import { UnavailableError } from '../../domain/errors.ts'

export type Work<DB, T> = (trx: Transaction<DB>) => Promise<T>

export interface Transactions<DB> {
  /** Runs `work` in a transaction; resolves once it is committed, rejects when it or its commit failed. */
  run<T>(work: Work<DB, T>): Promise<T>
}

// A bound on one transaction, so that reads waiting for the connection never wait long.
const MAX_BATCH = 64

interface Job<DB> {
  work: Work<DB, unknown>
  resolve(value: unknown): void
  reject(error: unknown): void
}

class GroupCommit<DB> implements Transactions<DB> {
  readonly #db: Kysely<DB>
  readonly #queue: Job<DB>[] = []
  #running = false

  constructor(db: Kysely<DB>) {
    this.#db = db
  }

  run<T>(work: Work<DB, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject })
      if (this.#running) return
      // node:sqlite is synchronous, so a transaction started now would end before the event loop reads
      // another request: wait for the requests read in this turn of the loop, and commit them together.
      this.#running = true
      setImmediate(() => void this.#drain())
    })
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#commit(this.#queue.splice(0, MAX_BATCH))
    } finally {
      this.#running = false
    }
  }

  async #commit(batch: Job<DB>[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const values = await this.#db.transaction().execute(async (trx) => {
          const done: unknown[] = []
          for (const job of batch) done.push(await job.work(trx))
          return done
        })
        for (const [i, job] of batch.entries()) job.resolve(values[i])
        return
      } catch (error) {
        // The database cannot serve (locked, full, gone): every unit would wait for it again, one by one.
        if (error instanceof UnavailableError) {
          for (const job of batch) job.reject(error)
          return
        }
        // A unit failed (or the commit did): all of it is rolled back, and each unit runs again alone below,
        // so that each gets the answer it would have had by itself.
      }
    }
    for (const job of batch) await this.#db.transaction().execute(job.work).then(job.resolve, job.reject)
  }
}

const shared = new WeakMap<object, Transactions<never>>()

/** The transactions of a database: one group-commit queue per SQLite database, shared by its repositories. */
export function transactions<DB>(db: Kysely<DB>): Transactions<DB> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    return { run: (work) => db.transaction().execute(work) }
  }
  let found = shared.get(db) as Transactions<DB> | undefined
  if (!found) {
    found = new GroupCommit(db)
    shared.set(db, found as unknown as Transactions<never>)
  }
  return found
}
