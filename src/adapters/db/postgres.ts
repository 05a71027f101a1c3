// PostgreSQL through pg, made to fail soft. A server that goes away, restarts or hangs costs the requests in
// flight a 503 (UnavailableError) within a bound, never the process: every connection has an error
// listener, every query a deadline, and a connection that failed is destroyed rather than reused.
import { createRequire } from 'node:module'
import type { PostgresPool, PostgresPoolClient } from 'kysely'
import type pg from 'pg'
import { UnavailableError } from '../../domain/errors.ts'
import type { Outage } from '../outage.ts'

export interface PostgresOptions {
  url: string
  poolSize: number
  /** Milliseconds to wait for a pooled connection, or to open one. */
  connectTimeoutMs: number
  /** Milliseconds a statement may run (statement_timeout); the client gives up a second later. */
  queryTimeoutMs: number
  outage: Outage
}

// pg is loaded when a pool is opened, not on import: an instance on SQLite never uses it.
const require = createRequire(import.meta.url)

// Timestamps come back as ISO-8601 UTC strings on both engines, as the domain uses them.
const TIMESTAMPTZ_OID = 1184
const isoTimestamps = (types: typeof pg.types) => ({
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ_OID) return (value: string) => new Date(value).toISOString()
    return types.getTypeParser(oid, format)
  },
})

// SQLSTATEs that say the server cannot serve now rather than that the query was wrong: connection
// exceptions (08), insufficient resources (53), a statement timeout (57014), shutdown and start-up (57P0x).
const UNAVAILABLE_STATE = /^(08|53|57014|57P0[1-3])/
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])
// pg reports a dead or timed-out connection with plain Errors that have no code.
const UNAVAILABLE_MESSAGE =
  /Connection terminated|Query read timeout|timeout exceeded when trying to connect|not queryable/

/** Whether a pg error means "the database is unavailable" (503) rather than a bug (500). */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && (UNAVAILABLE_STATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true
  return UNAVAILABLE_MESSAGE.test(error.message)
}

function unavailable(error: unknown, outage: Outage): UnavailableError {
  outage.failed(error)
  return new UnavailableError('database', { cause: error })
}

// A checked-out connection: queries are classified, and once one shows the connection is dead, no more is
// sent on it (a rollback after a hung query would hang too) and releasing it destroys it.
function guard(client: pg.PoolClient, outage: Outage): PostgresPoolClient {
  let broken: Error | undefined
  const query = (...args: unknown[]) => {
    if (broken) return Promise.reject(new UnavailableError('database', { cause: broken }))
    const result = (client.query as (...a: unknown[]) => unknown)(...args)
    if (!(result instanceof Promise)) return result
    return result.then(
      (rows) => {
        outage.succeeded()
        return rows
      },
      (error: unknown) => {
        if (!isUnavailable(error)) throw error
        broken = error as Error
        throw unavailable(error, outage)
      },
    )
  }
  return {
    query: query as PostgresPoolClient['query'],
    release: () => client.release(broken),
  }
}

export function openPostgresPool(options: PostgresOptions): PostgresPool & { pg: pg.Pool } {
  const { outage } = options
  const { Pool, types } = require('pg') as typeof pg
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.queryTimeoutMs,
    query_timeout: options.queryTimeoutMs + 1000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types: isoTimestamps(types),
  })
  // An idle connection that the server ends: the pool drops it and opens another when needed.
  pool.on('error', (error) => outage.failed(error, 'a connection was closed'))
  // A connection in use that the server ends emits 'error' on its client; unheard, it ends the process.
  pool.on('connect', (client) => client.on('error', (error) => outage.failed(error)))
  return {
    options: pool.options,
    // The pool itself, for its connection counts (metrics).
    pg: pool,
    end: () => pool.end(),
    async connect() {
      try {
        return guard(await pool.connect(), outage)
      } catch (error) {
        throw isUnavailable(error) ? unavailable(error, outage) : error
      }
    },
  }
}
