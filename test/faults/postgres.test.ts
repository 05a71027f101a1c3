// PostgreSQL failing under a running server process, on a cluster of this file's own: backends killed under
// concurrent writes, the server stopped and started, the server hung (SIGSTOP). The process survives every
// one, requests in flight answer 503 problems within the documented bound, readiness tells, nothing that
// was acknowledged is lost, and the server serves again by itself when the database is back.
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { parseSettings } from '../../src/config.ts'
import { type Answer, call, signUp, writers } from '../support/load.ts'
import { type PostgresServer, startPostgres } from '../support/postgres-server.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'

// With these, a request that needs the hung database answers within connect + query deadline + 1 s, as
// the README documents; 1.5 s more for a busy CI machine.
const CONNECT_TIMEOUT = 500
const QUERY_TIMEOUT = 1000
const BOUND_MS = CONNECT_TIMEOUT + QUERY_TIMEOUT + 1000 + 1500

let postgres: PostgresServer
let server: ServerProcess
let dataDir: string
let auth: { authorization: string }

// Signed in, except for the health checks.
function api(method: string, path: string, body?: unknown): Promise<Answer> {
  return call(method, `${server.url}${path}`, { headers: path.startsWith('/health/') ? {} : auth, body })
}

const write = (w: number, i: number) => api('POST', '/items/', { name: `w${w}-${i}`, price: 1.5 })

function expectUnavailable(res: Answer) {
  expect(res.status, res.text).toBe(503)
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
  expect(JSON.parse(res.text).type).toMatch(/#unavailable$/)
}

/** Every write of an outage was acknowledged or refused with a 503 problem, each within the bound. */
function expectBoundedOutage(answers: Answer[]) {
  for (const res of answers) {
    if (res.status !== 201) expectUnavailable(res)
    expect(res.ms).toBeLessThan(BOUND_MS)
  }
  expect(answers.filter((res) => res.status === 503).length).toBeGreaterThan(0)
}

// Polls until a write succeeds again (bounded: 100 tries, 100 ms apart).
async function untilServing(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await api('POST', '/items/', { name: 'After', price: 1 })
    if (res.status === 201) return
    expect(res.status).toBe(503)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('the server did not serve writes again')
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgres.url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

beforeAll(async () => {
  postgres = await startPostgres()
  dataDir = await mkdtemp(join(tmpdir(), 'trestle-faults-'))
  server = await startServer({
    dataDir,
    databaseUrl: postgres.url,
    env: {
      DATABASE_CONNECT_TIMEOUT: String(CONNECT_TIMEOUT),
      DATABASE_TIMEOUT: String(QUERY_TIMEOUT),
      // Every request checks its account in the database, as after a cache expiry.
      ACCOUNT_CACHE_TTL: '0',
      // A retention sweep every second, so that sweeps meet each outage: theirs is no second error line.
      RETENTION_INTERVAL: '1',
      LOG_LEVEL: 'info',
    },
  })
  auth = await signUp(server.url, 'writer')
}, 60_000)

afterAll(async () => {
  await server?.stop()
  await postgres?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

async function storedCount(ids: string[]): Promise<number> {
  if (ids.length === 0) return 0
  return admin(async (client) => {
    const { rows } = await client.query('select count(*)::int as n from items where id = any($1)', [ids])
    return rows[0].n as number
  })
}

describe('PostgreSQL failing under load', () => {
  it('survives its backends being terminated under 16 concurrent writers', async () => {
    const load = writers(16, write)
    try {
      for (let round = 0; round < 3; round++) {
        await load.progress(30)
        await admin((client) =>
          client.query(
            'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
          ),
        )
      }
      await load.progress(30)
    } finally {
      await load.stop()
    }
    expect(server.child.exitCode).toBeNull()
    for (const res of load.answers) {
      if (res.status !== 201) expectUnavailable(res)
    }
    expect(load.created.length).toBeGreaterThan(0)
    await untilServing()
    expect(await storedCount(load.created)).toBe(load.created.length)
  }, 60_000)

  it('answers 503 while the server is stopped, and serves again once it is started', async () => {
    const load = writers(8, write)
    try {
      await load.progress(20)
      await postgres.halt('fast')
      await load.progress(20)
      const ready = await api('GET', '/health/ready')
      expect(ready.status, ready.text).toBe(503)
      expect(JSON.parse(ready.text).checks.database).toBe('down')
      expectUnavailable(await api('GET', '/items'))
      const graphql = await api('POST', '/graphql', { query: '{ items(first: 1) { nodes { id } } }' })
      const [error] = JSON.parse(graphql.text).errors
      expect(error.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryAfter: 5 })
      expect(error.message).not.toMatch(/database|postgres|ECONNREFUSED/i)
    } finally {
      await postgres.start()
      await load.stop()
    }
    expect(server.child.exitCode).toBeNull()
    expectBoundedOutage(load.answers)
    await untilServing()
    expect(await storedCount(load.created)).toBe(load.created.length)
    expect((await api('GET', '/health/ready')).status).toBe(200)
  }, 60_000)

  it('answers 503 within the bound while the server hangs under writes, and serves again once it thaws', async () => {
    const load = writers(8, write)
    try {
      await load.progress(20)
      await postgres.pause()
      // Two rounds of the eight writers, each waiting out the deadlines.
      await load.progress(16)
      for (const res of await Promise.all([api('GET', '/items'), api('GET', '/users/me')])) {
        expectUnavailable(res)
        expect(res.ms).toBeLessThan(BOUND_MS)
      }
      const ready = await api('GET', '/health/ready')
      expect(ready.status).toBe(503)
      expect(ready.ms).toBeLessThan(BOUND_MS)
      expect(JSON.parse(ready.text).checks.database).toBe('down')
    } finally {
      await postgres.resume()
      await load.stop()
    }
    expect(server.child.exitCode).toBeNull()
    expectBoundedOutage(load.answers)
    await untilServing()
    expect(await storedCount(load.created)).toBe(load.created.length)
    expect((await api('GET', '/health/ready')).status).toBe(200)
  }, 60_000)

  it('logs each outage once, not once per failed request', () => {
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; level: number; status?: number })
    const failed = lines.filter((l) => l.status === 503).length
    const errors = lines.filter((l) => l.level >= 50)
    expect(failed).toBeGreaterThan(10)
    expect(errors.length).toBeGreaterThanOrEqual(1)
    expect(errors.length).toBeLessThanOrEqual(3)
    expect(errors.map((l) => l.msg)).toEqual(errors.map(() => 'database: unavailable'))
    expect(server.output()).not.toMatch(/TypeError|Unhandled 'error' event/)
  })
})

describe('a client that hangs up while its request waits on the database', () => {
  it('stops the request there, without a 500, once the database answers', async () => {
    const lines: { msg: string; url?: string; status?: number; level: number }[] = []
    const logger = {
      level: 'info',
      stream: { write: (line: string) => lines.push(JSON.parse(line)) },
    }
    const settings = parseSettings({
      DATA_DIR: dataDir,
      DATABASE_URL: postgres.url,
      RATE_LIMIT_ENABLED: 'true',
      ACCOUNT_CACHE_TTL: '0',
    })
    const app = await buildApp(settings, { logger })
    try {
      const signUp = { username: 'carol', email: 'carol@example.com', password: 'correct horse battery' }
      expect((await app.inject({ method: 'POST', url: '/users', payload: signUp })).statusCode).toBe(201)
      const token = await app.inject({
        method: 'POST',
        url: '/token',
        payload: new URLSearchParams({
          username: 'carol',
          password: signUp.password,
          grant_type: 'password',
        }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      await app.listen({ host: '127.0.0.1', port: 0 })
      const { port } = app.server.address() as { port: number }
      const arrived = once(app.server, 'request') as Promise<[IncomingMessage, ServerResponse]>
      await postgres.pause()
      try {
        const socket = connect({ host: '127.0.0.1', port })
        socket.write(
          `GET /users/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token.json().access_token}\r\n\r\n`,
        )
        // The request is in the server, waiting for its account check: the client gives up.
        const [request] = await arrived
        const closed = once(request.socket, 'close')
        socket.destroy()
        await closed
      } finally {
        await postgres.resume()
      }
      // Bounded: the request finishes once its query is answered.
      const me = () => lines.filter((l) => l.url === '/users/me' || l.level >= 50)
      for (let i = 0; i < 100 && me().length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(me().map(({ msg, status }) => ({ msg, status }))).toEqual([
        { msg: 'client closed the connection', status: 499 },
      ])
    } finally {
      await app.close()
    }
  })
})
