// `npm run bench:startup [-- runs] [--postgres]`: start-up to ready and resident memory (issue 12 §3).
// Each run spawns the server as `npm start` does (`node dist/main.js`) on core 0 with a fresh DATA_DIR
// (SQLite; with --postgres, a fresh database on a throwaway PostgreSQL), times spawn -> first 200 from
// /health/ready, reads VmRSS from /proc/<pid>/status after 3 s idle, once the idle server has released
// memory (src/memory-release.ts, after MEMORY_RELEASE_IDLE, which this sets to 5 s), again after a burst of
// REST requests and one GraphQL query, and once released again.
// Each Trestle run starts twice on its DATA_DIR: first (no module cache yet), then the restart, which
// finds the compiled code the first start saved there (dist/main.js turns the cache on) and is measured in
// full. Bare Fastify (bench/baselines.ts) is started the same way, first start then restart, for comparison.
// Prints Markdown.
// STARTUP_NODE_FLAGS="--max-semi-space-size=4" passes V8/Node flags to Trestle's process (to try one).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { freePort } from '../test/support/free-port.ts'
import { type PostgresServer, startPostgres } from '../test/support/postgres-server.ts'
import { entry, NODE_FLAGS } from './node-flags.ts'

const args = process.argv.slice(2)
const runs = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 7)
const postgres = args.includes('--postgres')
const ROOT = new URL('..', import.meta.url).pathname
const IDLE_MS = 3000
const nodeFlags = (process.env.STARTUP_NODE_FLAGS ?? '').split(' ').filter(Boolean)

interface Memory {
  rss: number
  anon: number
}

async function memoryMb(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024
  return { rss: kb('VmRSS'), anon: kb('RssAnon') }
}

interface Started {
  url: string
  child: ChildProcess
  readyMs: number
  /** What the process wrote to stdout so far. */
  output: () => string
}

async function spawnReady(argv: string[], env: Record<string, string>, readyPath: string): Promise<Started> {
  const port = await freePort()
  const began = performance.now()
  // taskset execs node, so the child's pid is the server's.
  const child = spawn('taskset', ['-c', '0', process.execPath, ...NODE_FLAGS, ...argv], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 6000; i++) {
    if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited with ${child.exitCode}`)
    try {
      const res = await fetch(`${url}${readyPath}`)
      await res.arrayBuffer()
      if (res.status === 200) return { url, child, readyMs: performance.now() - began, output: () => output }
    } catch {}
    await sleep(2)
  }
  child.kill('SIGTERM')
  throw new Error('not ready within 15 s')
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

async function call(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init)
  const body = await res.text()
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${body}`)
  return body ? JSON.parse(body) : undefined
}

// What a first user does: sign up, sign in, create an item, then reads of every common kind.
async function restBurst(url: string, requests: number): Promise<void> {
  const user = { username: 'startup', email: 'startup@example.com', password: 'benchmark password' }
  const json = { 'content-type': 'application/json' }
  await call(`${url}/users`, { method: 'POST', headers: json, body: JSON.stringify(user) })
  const { access_token } = (await call(`${url}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username: user.username, password: user.password }),
  })) as { access_token: string }
  const signedIn = { ...json, authorization: `Bearer ${access_token}` }
  const item = (await call(`${url}/items/`, {
    method: 'POST',
    headers: signedIn,
    body: JSON.stringify({ name: 'Lamp', price: 9.99, tags: ['home'] }),
  })) as { id: string }
  const paths = ['/health/ready', '/items?limit=20', `/items/${item.id}`, '/users/me']
  for (let i = 0; i < requests; i++) {
    await call(`${url}${paths[i % paths.length]}`, { headers: signedIn })
  }
}

async function graphqlQuery(url: string): Promise<void> {
  const body = (await call(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ items(first: 5) { edges { node { name price owner { name } } } } }' }),
  })) as { errors?: unknown }
  if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`)
}

interface Sample {
  readyMs: number
  /** Trestle: the first start on an empty DATA_DIR, before any module cache. */
  firstMs?: number
  idle: Memory
  idleReleased?: Memory
  afterRest?: Memory
  afterGraphql?: Memory
  afterReleased?: Memory
}

const RELEASED = 'idle: memory released'

// The memory once the server has logged its `count`-th release. Start-up's growth is always released (or
// the column would be wrong: an error); a later release comes only after 16 MB more of heap, so the memory
// after `waitMs` without one is what the idle server keeps.
async function released(server: Started, count: number, waitMs: number, required = false): Promise<Memory> {
  const releases = () => server.output().split(RELEASED).length - 1
  for (let i = 0; i < waitMs / 100 && releases() < count; i++) await sleep(100)
  if (required && releases() < count) throw new Error(`no memory release ${count} within ${waitMs} ms`)
  return memoryMb(server.child.pid ?? 0)
}

let database: PostgresServer | undefined
let admin: pg.Client | undefined

async function trestle(run: number): Promise<Sample> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trestle-startup-'))
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    // Info, for the line of each memory release; a request's line is written too.
    LOG_LEVEL: 'info',
    // Its first check comes 5 s after listening: the 3 s reading is always from before the release.
    MEMORY_RELEASE_IDLE: '5',
    // The burst is a few hundred requests from one IP; the limiter still runs on each.
    RATE_LIMIT_ANONYMOUS: '100000',
  }
  if (database && admin) {
    const name = `startup_${process.pid}_${run}`
    await admin.query(`create database ${name}`)
    env.DATABASE_URL = database.url.replace(/\/postgres$/, `/${name}`)
  }
  const first = await spawnReady([...nodeFlags, entry()], env, '/health/ready')
  // Long enough for the module cache to be saved (2 s after listening).
  await sleep(IDLE_MS)
  await stopChild(first.child)
  const server = await spawnReady([...nodeFlags, entry()], env, '/health/ready')
  try {
    const pid = server.child.pid ?? 0
    await sleep(IDLE_MS)
    const idle = await memoryMb(pid)
    const idleReleased = await released(server, 1, 30_000, true)
    await restBurst(server.url, 400)
    await sleep(1000)
    const afterRest = await memoryMb(pid)
    await graphqlQuery(server.url)
    await sleep(1000)
    const afterGraphql = await memoryMb(pid)
    const afterReleased = await released(server, 2, 15_000)
    return {
      readyMs: server.readyMs,
      firstMs: first.readyMs,
      idle,
      idleReleased,
      afterRest,
      afterGraphql,
      afterReleased,
    }
  } finally {
    await stopChild(server.child)
    await rm(dataDir, { recursive: true, force: true })
  }
}

// Started as Trestle is: a first start that saves its module cache (NODE_COMPILE_CACHE, written when it
// exits), then the restart that is measured. Without the cache it would load Node's TypeScript stripper
// (bench/baselines.ts is TypeScript), ~15 MB that a restarted Trestle does not carry.
async function bareFastify(): Promise<Sample> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'trestle-startup-bare-'))
  const env = { NODE_COMPILE_CACHE: cacheDir }
  try {
    const first = await spawnReady(['bench/baselines.ts', 'fastify'], env, '/')
    await stopChild(first.child)
    const server = await spawnReady(['bench/baselines.ts', 'fastify'], env, '/')
    try {
      await sleep(IDLE_MS)
      return { readyMs: server.readyMs, firstMs: first.readyMs, idle: await memoryMb(server.child.pid ?? 0) }
    } finally {
      await stopChild(server.child)
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true })
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')

const loadBefore = load()
if (postgres) {
  database = await startPostgres()
  admin = new pg.Client({ connectionString: database.url })
  await admin.connect()
}
const trestleRuns: Sample[] = []
const bareRuns: Sample[] = []
try {
  // Interleaved, so that a busy moment on the machine hits both alike.
  for (let run = 0; run < runs; run++) {
    trestleRuns.push(await trestle(run))
    bareRuns.push(await bareFastify())
  }
} finally {
  await admin?.end()
  await database?.stop()
}

const mb = (values: (number | undefined)[]) => {
  const known = values.filter((value): value is number => value !== undefined)
  return known.length ? median(known).toFixed(0) : '–'
}
const row = (name: string, samples: Sample[]) => {
  const ready = samples.map((sample) => sample.readyMs)
  return `| ${name} | ${mb(samples.map((s) => s.firstMs))} | ${median(ready).toFixed(0)} | ${Math.max(...ready).toFixed(0)} | ${mb(
    samples.map((s) => s.idle.rss),
  )} (${mb(samples.map((s) => s.idle.anon))}) | ${mb(samples.map((s) => s.idleReleased?.rss))} | ${mb(
    samples.map((s) => s.afterRest?.rss),
  )} | ${mb(samples.map((s) => s.afterGraphql?.rss))} | ${mb(samples.map((s) => s.afterReleased?.rss))} |`
}

console.log(
  `${runs} runs each, interleaved; server on core 0; load average ${loadBefore} before, ${load()} after\n`,
)
console.log(
  '| server | first start: ready, median ms | restart: ready, median ms | restart, max ms | RSS MB 3 s after ready (anonymous) | once released at idle | after a REST burst | and a GraphQL query | 15 s later (released if the heap grew 16 MB) |',
)
console.log('|---|---|---|---|---|---|---|---|---|')
const flags = nodeFlags.length ? `, ${nodeFlags.join(' ')}` : ''
console.log(row(`Trestle, ${postgres ? 'PostgreSQL' : 'SQLite'}${flags}`, trestleRuns))
console.log(row('bare Fastify', bareRuns))
