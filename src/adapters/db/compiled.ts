// Queries of a fixed shape, built and compiled once. Kysely otherwise builds its immutable query tree and
// compiles it to SQL on every call: 6% of GET /users/me, more than the SQLite read itself
// (npm run bench:profile). Only the parameters change from call to call.
//
// A read may also skip Kysely's executor: on SQLite a read-only connection of its own answers it at once
// (src/adapters/db/sqlite.ts), beside the writer and never inside its open transaction.
import { type Compilable, CompiledQuery, type Kysely, SelectQueryNode } from 'kysely'

/** Runs a read's SQL on a connection of its own and answers its rows at once. */
export type DirectRead = (sql: string, parameters: readonly unknown[]) => unknown[]

const ARGUMENT = Symbol('argument')
type Argument = { readonly [ARGUMENT]: number }

const isArgument = (value: unknown): value is Argument =>
  typeof value === 'object' && value !== null && ARGUMENT in value

/**
 * `build` receives stand-ins for the arguments, in order, and makes the query with them where values go.
 * The result runs the compiled SQL with the arguments in their places, on the database it was built for
 * or in a transaction of it. With `read` (a select only), a call on the database itself, not in a
 * transaction, runs there instead: it sees what is committed, as any statement outside a transaction does.
 */
export function compiled<DB, Args extends unknown[], Row>(
  db: Kysely<DB>,
  arity: Args['length'],
  build: (...args: Args) => Compilable<Row>,
  read?: DirectRead,
): (on: Kysely<DB>, ...args: Args) => Promise<Row[]> {
  const standIns = Array.from({ length: arity }, (_, i): Argument => ({ [ARGUMENT]: i }))
  const query = build(...(standIns as Args)).compile()
  if (read && !SelectQueryNode.is(query.query))
    throw new Error('compiled(): only a select may be read directly')
  const slots = query.parameters.map((p) => (isArgument(p) ? p[ARGUMENT] : -1))
  for (let i = 0; i < arity; i++) {
    if (!slots.includes(i)) throw new Error(`compiled(): argument ${i} is not in the query`)
  }
  return async (on: Kysely<DB>, ...args: Args) => {
    const parameters = query.parameters.map((p, i) => ((slots[i] ?? -1) < 0 ? p : args[slots[i] ?? 0]))
    if (read && on === db) return read(query.sql, parameters) as Row[]
    const result = await on.executeQuery<Row>(CompiledQuery.raw(query.sql, parameters))
    return result.rows
  }
}
