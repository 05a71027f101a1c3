// The server as `npm start` runs it: bundled by scripts/build.ts, from main.js (with the module cache), on
// the project's database and, on the postgres project, Redis. What a bundle can break, each used once: the
// packages left out of it and those loaded on first use (argon2, pg, ioredis), files read from beside the
// code (GraphiQL's, the docs page's), the checkpoint worker started from its own file, and the WebSocket.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'
import { signUp } from '../support/load.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'
import { connectWs, isType } from '../support/ws.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
// Under the repository, as dist/ is, so that the packages left out of the bundle resolve from node_modules.
const OUT = join(ROOT, 'node_modules/.cache', `trestle-bundle-${randomUUID()}`)
const build = () =>
  promisify(execFile)(process.execPath, [join(ROOT, 'scripts/build.ts'), OUT], { cwd: ROOT })

let db: TestDatabase
let server: ServerProcess

beforeAll(async () => {
  await build()
  db = await createTestDatabase()
  const redisUrl = inject('redisUrl')
  server = await startServer({
    entry: join(OUT, 'main.js'),
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    env: {
      RATE_LIMIT_ENABLED: 'true',
      ...(redisUrl && { REDIS_URL: redisUrl, REDIS_PREFIX: `e2e-bundle:${randomUUID()}:` }),
    },
  })
})
afterAll(async () => {
  await server?.stop()
  await db?.cleanup()
  await rm(OUT, { recursive: true, force: true })
})

async function signIn(): Promise<{ auth: { authorization: string }; username: string }> {
  const username = `b_${randomUUID().slice(0, 8)}`
  return { auth: await signUp(server.url, username), username }
}

async function createItem(auth: { authorization: string }): Promise<{ id: string; name: string }> {
  const res = await fetch(`${server.url}/items/`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Teapot', price: 9.99 }),
  })
  expect(res.status, await res.clone().text()).toBe(201)
  return (await res.json()) as { id: string; name: string }
}

describe('the bundled server', () => {
  it('refuses bad input as the sources do', async () => {
    const res = await fetch(`${server.url}/items/not-a-uuid`)
    expect(res.status).toBe(422)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(res.headers.get('x-request-id')).toEqual(expect.any(String))
  })

  it('signs up, signs in, creates an item and reads it back, within its rate limit', async () => {
    const { auth } = await signIn()
    const made = await createItem(auth)
    const read = await fetch(`${server.url}/items/${made.id}`)
    expect(read.status).toBe(200)
    expect(await read.json()).toMatchObject({ id: made.id, name: 'Teapot', price: 9.99 })
    expect(read.headers.get('ratelimit')).toMatch(/^"anonymous";r=\d+;t=\d+$/)
  })

  it('answers GraphQL: an item with its owner', async () => {
    const { auth, username } = await signIn()
    const { id } = await createItem(auth)
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ item(id: "${id}") { name price owner { name } } }` }),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { data: unknown }
    expect(body.data).toEqual({ item: { name: 'Teapot', price: '9.99', owner: { name: username } } })
  })

  it('serves the OpenAPI document, the docs page and GraphiQL with their files', async () => {
    const openapi = await fetch(`${server.url}/openapi.json`)
    expect(openapi.status).toBe(200)
    expect(((await openapi.json()) as { openapi: string }).openapi).toBe('3.1.0')
    const docs = await fetch(`${server.url}/docs/static/index.html`)
    expect(docs.status).toBe(200)
    expect(await docs.text()).toContain('swagger-ui')
    const page = await fetch(`${server.url}/graphiql`)
    expect(page.status).toBe(200)
    const files = [...(await page.text()).matchAll(/(?:href|src)="(\/graphiql\/[^"]+)"/g)].map((m) => m[1])
    expect(files).toHaveLength(6)
    for (const file of files) {
      const res = await fetch(`${server.url}${file}`)
      expect(res.status, file).toBe(200)
      expect((await res.arrayBuffer()).byteLength, file).toBeGreaterThan(0)
    }
  })

  it('echoes on /ws and delivers item events', async () => {
    const c = await connectWs(server.url)
    c.send('Hello, server')
    expect(await c.next()).toBe('Echo: Hello, server')
    c.send({ type: 'subscribe', topic: 'items', id: 's' })
    expect(await c.next()).toEqual({ type: 'ack', id: 's', topic: 'items' })
    const { auth } = await signIn()
    const { id } = await createItem(auth)
    expect(await c.next(isType('event'))).toMatchObject({
      topic: 'items',
      event: { type: 'item.created', item: { id } },
    })
    c.ws.close()
  })
})

describe('the bundled server on SQLite', () => {
  let dataDir: string
  let sqlite: ServerProcess
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trestle-bundle-'))
    sqlite = await startServer({ entry: join(OUT, 'main.js'), dataDir })
  })
  afterAll(async () => {
    await sqlite?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it("copies the write-ahead log into the database file from its worker's own file", async () => {
    // Nothing else checkpoints while the server runs: until the worker has, the file is one page.
    const file = join(dataDir, 'trestle.sqlite')
    let size = 0
    for (let i = 0; i < 200 && size <= 4096; i++) {
      size = (await stat(file)).size
      if (size <= 4096) await sleep(50)
    }
    expect(size, sqlite.output()).toBeGreaterThan(4096)
    expect(sqlite.output()).not.toContain('"level":50')
  })
})

describe('a rebuild', () => {
  it('replaces what differs and leaves the current files as they are (a read-only copy still starts)', async () => {
    const css = join(OUT, 'graphiql/page.css')
    const original = await readFile(css, 'utf8')
    await appendFile(css, '/* edited */')
    const before = { server: (await stat(join(OUT, 'server.js'))).ino, css: (await stat(css)).ino }
    await build()
    expect(await readFile(css, 'utf8')).toBe(original)
    expect((await stat(css)).ino).not.toBe(before.css)
    expect((await stat(join(OUT, 'server.js'))).ino).toBe(before.server)
  })

  it('removes what a killed build left aside, and nothing a running build or anyone else wrote', async () => {
    // Above Linux's highest process id (2^22): no process has it.
    const gone = join(OUT, 'graphiql/.page.css.4194305')
    const writing = join(OUT, `.server.js.${process.pid}`)
    const other = join(OUT, '.notes.4194305')
    for (const path of [gone, writing, other]) await writeFile(path, 'partial')
    await appendFile(join(OUT, 'graphiql/page.css'), '/* edited */')
    await build()
    await expect(stat(gone)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await readFile(writing, 'utf8')).toBe('partial')
    expect(await readFile(other, 'utf8')).toBe('partial')
  })
})
