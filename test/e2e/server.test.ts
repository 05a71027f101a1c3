// The real server process, as an operator runs it (`node src/server.ts` with settings in the environment)
// and as a client sees it over TCP: start, readiness, a sign-up-to-item session, its logs, a graceful stop
// on SIGTERM that finishes the request in flight, and a refusal to start on a bad setting.
import { type ChildProcess, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SettingsSchema } from '../../src/settings.ts'
import { connectOutcome, heldSignUp } from '../support/connections.ts'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'
import { freePort } from '../support/free-port.ts'

const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url))
const HOST = '127.0.0.1'
const POLL_MS = 100
const READY_TRIES = 200

interface Running {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Resolves once the process has exited and its output streams are drained. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** The test runner's environment without any of the server's settings, plus the given ones. */
function serverEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(SettingsSchema.properties)) delete env[key]
  delete env.NODE_OPTIONS
  return { ...env, ...settings }
}

function startServer(settings: Record<string, string>, cwd: string): Running {
  const child = spawn(process.execPath, [SERVER], {
    cwd,
    env: serverEnv(settings),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>
      } catch {
        throw new Error(`a log line is not JSON: ${line}`)
      }
    })
}

describe('the server process', () => {
  let database: TestDatabase
  let server: Running
  let port: number
  let base: string
  const agent = new Agent({ keepAliveTimeout: 1_000 })
  const password = `e2e pass ${process.pid} ${Date.now()}`
  const username = `e2e_${process.pid}`
  const secrets: string[] = [password]
  const requestIds: string[] = []

  beforeAll(async () => {
    database = await createTestDatabase()
    port = await freePort()
    base = `http://${HOST}:${port}`
    server = startServer(
      {
        PORT: String(port),
        HOST,
        DATA_DIR: database.dataDir,
        DATABASE_URL: database.databaseUrl ?? '',
        LOG_LEVEL: 'info',
      },
      database.dataDir,
    )
  })

  afterAll(async () => {
    if (server && isRunning(server.child)) {
      server.child.kill('SIGKILL')
      await server.exited
    }
    await agent.close()
    await database?.cleanup()
  })

  /** A request through undici, as a real client; its x-request-id is remembered for the log check. */
  async function call(
    method: 'GET' | 'POST',
    path: string,
    options: { headers?: Record<string, string>; body?: string } = {},
  ) {
    const res = await request(`${base}${path}`, { method, dispatcher: agent, ...options })
    const text = await res.body.text()
    const id = res.headers['x-request-id']
    if (typeof id === 'string') requestIds.push(id)
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) }
  }

  it('starts and answers GET /health/ready with 200', async () => {
    let last = 'no answer'
    for (let attempt = 0; attempt < READY_TRIES; attempt++) {
      if (!isRunning(server.child)) {
        throw new Error(`the server exited before it was ready:\n${server.stderr()}\n${server.stdout()}`)
      }
      try {
        const res = await call('GET', '/health/ready')
        if (res.status === 200) {
          expect(res.json()).toEqual({ status: 'ok', checks: { database: 'ok' } })
          return
        }
        last = `${res.status} ${res.text}`
      } catch (error) {
        last = String(error)
      }
      await sleep(POLL_MS)
    }
    throw new Error(`not ready after ${READY_TRIES} tries (last: ${last}):\n${server.stderr()}`)
  })

  it('signs up, signs in, creates an item and reads it back', async () => {
    const email = `${username}@example.com`
    const created = await call('POST', '/users', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, email, password }),
    })
    expect(created.status, created.text).toBe(201)
    const user = created.json()
    expect(created.headers.location).toBe(`/users/${user.id}`)
    expect(user).toMatchObject({ username, email })
    expect(created.text).not.toContain(password)

    const token = await call('POST', '/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
    })
    expect(token.status, token.text).toBe(200)
    expect(token.headers['cache-control']).toBe('no-store')
    const tokens = token.json()
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.access_token).toEqual(expect.any(String))
    secrets.push(tokens.access_token, tokens.refresh_token)
    const auth = { authorization: `Bearer ${tokens.access_token}` }

    const item = await call('POST', '/items/', {
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Teapot', price: 9.99, tags: ['kitchen'] }),
    })
    expect(item.status, item.text).toBe(201)
    const made = item.json()
    expect(made).toMatchObject({ name: 'Teapot', price: 9.99, tags: ['kitchen'], owner_id: user.id })
    expect(item.headers.location).toBe(`/items/${made.id}`)

    const read = await call('GET', `/items/${made.id}`)
    expect(read.status, read.text).toBe(200)
    expect(read.json()).toEqual(made)
    expect(read.headers.etag).toBe(item.headers.etag)

    const me = await call('GET', '/users/me', { headers: auth })
    expect(me.status, me.text).toBe(200)
    expect(me.json()).toMatchObject({ id: user.id, username, email, role: 'user' })

    const anonymous = await call('GET', '/users/me')
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/)
  })

  it('logs JSON lines, one per request with its request id, and no credentials', async () => {
    // A request's line is written after its response, so wait (bounded) for the last ones to arrive.
    const logged = () =>
      new Set(
        logLines(server.stdout())
          .map((line) => line.reqId)
          .filter((id) => typeof id === 'string'),
      )
    for (let attempt = 0; attempt < 50 && !requestIds.every((id) => logged().has(id)); attempt++) {
      await sleep(POLL_MS)
    }
    expect(requestIds.length).toBeGreaterThan(0)
    expect([...logged()]).toEqual(expect.arrayContaining(requestIds))

    const lines = logLines(server.stdout())
    const requestLines = lines.filter((line) => 'url' in line || 'req' in line || 'res' in line)
    expect(requestLines.length).toBeGreaterThanOrEqual(requestIds.length)
    for (const line of requestLines) {
      expect(line.reqId, JSON.stringify(line)).toEqual(expect.any(String))
    }
    for (const secret of secrets) {
      expect(server.stdout()).not.toContain(secret)
      expect(server.stderr()).not.toContain(secret)
    }
  })

  it('on SIGTERM, finishes the request in flight, refuses new connections and exits with 0', async () => {
    const slowPassword = `${password} again`
    secrets.push(slowPassword)
    // The server has the request in hand (it said Continue); its body, and so the argon2 hash of the
    // sign-up, follows after SIGTERM.
    const held = await heldSignUp(
      port,
      { username: `${username}_late`, email: `${username}_late@example.com`, password: slowPassword },
      HOST,
    )

    expect(server.child.kill('SIGTERM')).toBe(true)
    let refused = false
    for (let attempt = 0; attempt < 100 && !refused; attempt++) {
      // A reset while the listener closes with the probe in its queue is a refusal too: no byte was sent.
      refused = (await connectOutcome(port, HOST)) !== 'accepted'
      if (!refused) await sleep(POLL_MS / 5)
    }
    expect(refused, 'new connections are refused while stopping').toBe(true)
    expect(isRunning(server.child), 'still running while a request is in flight').toBe(true)

    const { status, text } = await held.finish()
    expect(status, text).toBe(201)
    expect(JSON.parse(text)).toMatchObject({ username: `${username}_late` })

    const { code, signal } = await server.exited
    expect({ code, signal }, server.stderr()).toEqual({ code: 0, signal: null })
    expect(await connectOutcome(port, HOST)).toBe('refused')

    const messages = logLines(server.stdout()).map((line) => line.msg)
    expect(messages).toContain('shutting down: finishing in-flight requests')
    expect(messages).toContain('stopped')
    for (const secret of secrets) {
      expect(server.stdout()).not.toContain(secret)
      expect(server.stderr()).not.toContain(secret)
    }
  })
})

describe('a bad setting', () => {
  it('stops the process before it starts, naming the variable', async () => {
    const database = await createTestDatabase()
    const running = startServer(
      { PORT: 'abc', HOST, DATA_DIR: database.dataDir, DATABASE_URL: '', LOG_LEVEL: 'info' },
      database.dataDir,
    )
    try {
      const { code } = await running.exited
      expect(code, running.stderr()).not.toBe(0)
      expect(code).not.toBeNull()
      expect(running.stderr()).toMatch(/\bPORT\b/)
      expect(running.stderr()).toContain('abc')
    } finally {
      if (isRunning(running.child)) running.child.kill('SIGKILL')
      await database.cleanup()
    }
  })
})
