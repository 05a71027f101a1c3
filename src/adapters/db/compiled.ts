// Queries of a fixed shape, built and compiled once. Kysely otherwise builds its immutable query tree and
// compiles it to SQL on every call: 6% of GET /users/me, more than the SQLite read itself
// (npm run bench:profile). Only the parameters change from call to call.
import { type Compilable, CompiledQuery, type Kysely } from 'kysely'

const ARGUMENT = Symbol('argument')
type Argument = { readonly [ARGUMENT]: number }

const isArgument = (value: unknown): value is Argument =>
  typeof value === 'object' && value !== null && ARGUMENT in value

/**
 * `build` receives stand-ins for the arguments, in order, and makes the query with them where values go.
 * The result runs the compiled SQL with the arguments in their places, on the database it was built for
 * (`_db`, which only gives the types) or in a transaction of it.
 */
export function compiled<DB, Args extends unknown[], Row>(
  _db: Kysely<DB>,
  arity: Args['length'],
  build: (...args: Args) => Compilable<Row>,
): (on: Kysely<DB>, ...args: Args) => Promise<Row[]> {
  const standIns = Array.from({ length: arity }, (_, i): Argument => ({ [ARGUMENT]: i }))
  const query = build(...(standIns as Args)).compile()
  const slots = query.parameters.map((p) => (isArgument(p) ? p[ARGUMENT] : -1))
  for (let i = 0; i < arity; i++) {
    if (!slots.includes(i)) throw new Error(`compiled(): argument ${i} is not in the query`)
  }
  return async (on: Kysely<DB>, ...args: Args) => {
    const parameters = query.parameters.map((p, i) => ((slots[i] ?? -1) < 0 ? p : args[slots[i] ?? 0]))
    const result = await on.executeQuery<Row>(CompiledQuery.raw(query.sql, parameters))
    return result.rows
  }
}
