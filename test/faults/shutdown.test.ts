// SIGTERM to a server process in the middle of a running load of reads and writes over keep-alive
// connections: no client sees its connection reset, requests in flight (slow sign-ups among them) complete,
// new connections are refused, later requests on open connections get a 503 problem with Connection: close,
// what was acknowledged is written, and the process exits 0 within SHUTDOWN_TIMEOUT.
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectOutcome, heldSignUp } from '../support/connections.ts'
import { type Answer, call, signUp, writers } from '../support/load.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'

const SHUTDOWN_TIMEOUT = 5000
let dataDir: string
let server: ServerProcess

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trestle-sigterm-'))
  server = await startServer({
    dataDir,
    env: { SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT), LOG_LEVEL: 'info' },
  })
})
afterAll(async () => {
  await server?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

/**
 * What a client may see during a graceful stop: an answer, a 503 problem, or a new connection the server
 * never accepted. Linux resets a connection still in the listener's accept queue when the listener closes
 * (`connect ECONNRESET`): like a refusal, no byte of the request was sent, so a retry is always safe.
 */
function clean(res: Answer): boolean {
  if (res.status === 200 || res.status === 201) return true
  if (res.status === 503) return /^application\/problem\+json/.test(res.headers.get('content-type') ?? '')
  return res.error === 'ECONNREFUSED' || (res.error === 'ECONNRESET' && res.syscall === 'connect')
}

describe('SIGTERM under load', () => {
  it('resets no connection, finishes what is in flight, refuses new connections and exits 0 in time', async () => {
    const port = Number(new URL(server.url).port)
    const auth = await signUp(server.url, 'writer')
    const load = writers(16, (w, i) =>
      w % 2 === 0
        ? call('POST', `${server.url}/items/`, { headers: auth, body: { name: `w${w}-${i}`, price: 3 } })
        : call('GET', `${server.url}/items?limit=20`),
    )
    const held = await Promise.all(
      [0, 1, 2].map((n) =>
        heldSignUp(port, {
          username: `late_${n}`,
          email: `late_${n}@example.com`,
          password: 'correct horse battery',
        }),
      ),
    )
    await load.progress(100)

    const exited = once(server.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
    const signalled = performance.now()
    server.child.kill('SIGTERM')
    // Once the server says it is stopping (bounded: 500 polls), every new connection is refused.
    for (let i = 0; i < 500 && !server.output().includes('shutting down'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    for (let i = 0; i < 20; i++)
      expect(await connectOutcome(port), 'a new connection is refused').toBe('refused')
    expect(server.child.exitCode, 'still running while requests are in flight').toBeNull()

    const late = await Promise.all(held.map((h) => h.finish()))
    const [code, signal] = await exited
    const stoppedMs = performance.now() - signalled
    await load.stop()

    expect(late.map((res) => res.status)).toEqual([201, 201, 201])
    expect({ code, signal }, server.output()).toEqual({ code: 0, signal: null })
    expect(stoppedMs).toBeLessThan(SHUTDOWN_TIMEOUT)
    const unclean = load.answers
      .filter((res) => !clean(res))
      .map(
        (res) => `${res.error} ${res.syscall ?? ''} after ${Math.round(res.at - signalled)} ms: ${res.text}`,
      )
    expect(unclean).toEqual([])
    expect(
      load.answers.some((res) => res.error === 'ECONNREFUSED'),
      'the load ran past the stop',
    ).toBe(true)

    // What was acknowledged was written.
    const db = new DatabaseSync(join(dataDir, 'trestle.sqlite'), { readOnly: true })
    try {
      const ids = load.created
      const { n } = db
        .prepare(`select count(*) as n from items where id in (select value from json_each(?))`)
        .get(JSON.stringify(ids)) as { n: number }
      expect(n).toBe(ids.length)
    } finally {
      db.close()
    }
  })
})
