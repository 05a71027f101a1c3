// `npm run bench [-- seconds rounds]` (BENCH_ONLY=<regex> for some rows): Trestle against the baselines in one run. Every server is pinned to
// core 0 and started here; wrk runs on core 1; the rounds interleave the scenarios so that a noisy moment
// hits them all alike; each row shows the median over rounds, and each ratio the median of the rounds' own
// ratios. Each round starts every server afresh: instances of one server started alike can settle at
// different speeds (bench/RESULTS.md), so a row's median is over as many instances as rounds, not one
// instance's luck; the /users/me row and the rows that tell what a setting costs against it take two servers
// a round, measured in mirrored order (see schedule()). While a row is measured every other server is
// paused, so that its core is its own.
// Prints issue 12's table as Markdown.
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RedisServer, startRedisServer } from '../test/support/redis-server.ts'
import { type Server, startServer, token } from './lib.ts'
import { fastapiMissing, fastapiToken, type Peer, startBaseline, startFastapi } from './peers.ts'
import { type Measured, type Request, wrk } from './wrk.ts'

const seconds = Number(process.argv[2] ?? 10)
const rounds = Number(process.argv[3] ?? 3)
const CONNECTIONS = 50
const SETTLE_SECONDS = 2

interface Scenario {
  name: string
  request: Request
  /** The same request to further servers started alike, each measured alone in turn; the row's measure of a
   * round is their mean. For the rows that tell what a setting costs: fresh instances of one server settle
   * up to 15% apart (bench/RESULTS.md), as much as the targets, so one server a side would be a coin toss. */
  alike?: Request[]
  /** The row this one is compared with (bare Fastify hello unless said). */
  versus?: string
  target?: string
  /** Whether the target is met, given this row and the one it is compared with. */
  met?: (row: Summary, base: Summary) => boolean
}

interface Summary extends Measured {
  name: string
  /** Each round's measurement, in round order. */
  runs: Measured[]
}

/** Several servers' measures of one row in one round, as one: means, failures summed. */
function meanOf(measures: Measured[]): Measured {
  const mean = (value: (m: Measured) => number) =>
    measures.reduce((sum, m) => sum + value(m), 0) / Math.max(1, measures.length)
  return {
    requestsPerSecond: mean((m) => m.requestsPerSecond),
    latencyMedianMs: mean((m) => m.latencyMedianMs),
    latencyP99Ms: mean((m) => m.latencyP99Ms),
    failures: measures.reduce((sum, m) => sum + m.failures, 0),
  }
}

/**
 * The order of a round's measurements: the rows of one server in table order, then those of several
 * (`alike`) mirrored, each row's first server in order and its second in reverse, so that the /users/me row
 * and the rows compared with it are measured on average at the same moment of the round. The machine's speed
 * drifts within a round (a shared VM): measured one after the other, the last of those rows were 13-21% slower
 * in some rounds and not in others.
 */
function schedule(scenarios: Scenario[]): { scenario: Scenario; request: Request }[] {
  const single = scenarios.filter((s) => servers(s).length === 1)
  const several = scenarios.filter((s) => servers(s).length > 1)
  const order = single.map((scenario) => ({ scenario, request: scenario.request }))
  const width = Math.max(0, ...several.map((s) => servers(s).length))
  for (let k = 0; k < width; k++) {
    const pass = k % 2 === 0 ? several : [...several].reverse()
    for (const scenario of pass) {
      const request = servers(scenario)[k]
      if (request) order.push({ scenario, request })
    }
  }
  return order
}

/** The servers a row is measured on in a round. */
const servers = (s: Scenario) => [s.request, ...(s.alike ?? [])]

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

// Within a round the two rows ran a minute apart at most; the machine's speed may drift between rounds (a
// shared VM), so a ratio is the median of the rounds' own ratios, not a ratio of medians.
const perRound = (row: Summary, base: Summary, value: (m: Measured) => number) =>
  median(row.runs.map((run, i) => value(run) / value(base.runs[i] ?? run)))
const ratio = (row: Summary, base: Summary) => perRound(row, base, (m) => m.requestsPerSecond)
const atLeast = (share: number) => (row: Summary, base: Summary) => ratio(row, base) >= share

const stops: (() => Promise<void>)[] = []
// What to pause, by origin: a Trestle server's pid (taskset runs node in its place), a peer's process group
// (as minus its id). While one server is measured every other is paused (SIGSTOP): idle, the other Trestle
// instances still ran on the same core (timers, and V8's collections of what their own rounds left), which
// fell on whichever row came next.
const pausable = new Map<string, number>()
async function started<T extends Peer | Server>(peer: Promise<T>): Promise<T> {
  const p = await peer
  stops.push(() => p.stop())
  pausable.set(new URL(p.url).origin, 'group' in p ? -p.group : p.pid)
  return p
}
function sendSignal(target: number, name: 'SIGSTOP' | 'SIGCONT'): void {
  try {
    process.kill(target, name)
  } catch (error) {
    // A server that has exited is reported by its stop().
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}
function pauseAllBut(url: string): void {
  const measured = new URL(url).origin
  for (const [origin, target] of pausable) if (origin !== measured) sendSignal(target, 'SIGSTOP')
}
function resumeAll(): void {
  for (const target of pausable.values()) sendSignal(target, 'SIGCONT')
}
async function stopAll(): Promise<void> {
  // A stopped process would hold SIGTERM until continued.
  resumeAll()
  pausable.clear()
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)))
}

const json = { 'content-type': 'application/json' }
const notes: string[] = []
const me = 'Trestle GET /users/me (bearer, limiter on)'
const byId = 'Trestle GET /items/{id} (anonymous, limiter on)'
const idRow = 'bare Fastify hello with request id'

/** Starts every server of the table, fresh, and returns the rows to measure on them. */
async function startServers(redis: RedisServer, withoutFastapi: string | undefined): Promise<Scenario[]> {
  const scenarios: Scenario[] = []
  const raw = await started(startBaseline('raw'))
  const bare = await started(startBaseline('fastify'))
  const withId = await started(startBaseline('request-id'))
  const floor = await started(startBaseline('floor'))
  scenarios.push(
    { name: 'raw node:http hello', request: { url: `${raw.url}/` }, target: 'the limit' },
    { name: 'bare Fastify hello', request: { url: `${bare.url}/` } },
    {
      name: 'bare Fastify POST with body validation',
      request: {
        url: `${bare.url}/items`,
        method: 'POST',
        headers: json,
        body: '{"name":"Teapot","price":9.99}',
      },
    },
    // What §2 names for every response (a request id, one log line), and with the security headers that
    // every Trestle response carries too: what GET /health/live could at best reach.
    { name: idRow, request: { url: `${withId.url}/` } },
    { name: 'bare Fastify hello with request id and security headers', request: { url: `${floor.url}/` } },
  )

  if (!withoutFastapi) {
    const fastapi = await started(startFastapi(redis.url))
    const auth = { authorization: `Bearer ${await fastapiToken(fastapi.url)}` }
    scenarios.push(
      { name: 'original system, GET /users/me', request: { url: `${fastapi.url}/users/me`, headers: auth } },
      {
        name: 'original system, POST /items/ (stores nothing)',
        request: {
          url: `${fastapi.url}/items/`,
          method: 'POST',
          headers: { ...auth, ...json },
          body: '{"name":"Teapot","price":9.99}',
        },
      },
    )
  }

  // The limiter is on everywhere but never trips: it costs what it costs without refusing anyone.
  const limits = { RATE_LIMIT_USER: '1000000000', RATE_LIMIT_ANONYMOUS: '1000000000' }
  const trestle = await started(startServer(limits))
  const bearer = `Bearer ${await token(trestle.url)}`
  const created = await fetch(`${trestle.url}/items`, {
    method: 'POST',
    headers: { authorization: bearer, ...json },
    body: JSON.stringify({ name: 'Teapot', price: 9.99 }),
  })
  const { id } = (await created.json()) as { id: string }
  // The writes on a server of their own: the rows and events they add would otherwise weigh on the reads
  // measured after them (a larger heap to collect, a larger database).
  const writer = await started(startServer(limits))
  const writerBearer = `Bearer ${await token(writer.url)}`
  // GET /users/me on servers that answer nothing else, two of each setting compared (see Scenario.alike): a
  // server that also runs the other rows' routes is a few percent slower on each (its call sites see more
  // shapes).
  const account = async (env: Record<string, string>): Promise<Request> => {
    const server = await started(startServer({ ...limits, ...env }))
    return { url: `${server.url}/users/me`, headers: { authorization: `Bearer ${await token(server.url)}` } }
  }
  const accounts = async (env: Record<string, string>) => [await account(env), await account(env)] as const
  const [plain, plainAlike] = await accounts({})
  const [withRedis, withRedisAlike] = await accounts({ REDIS_URL: redis.url })
  const [info, infoAlike] = await accounts({ LOG_LEVEL: 'info' })
  // Off by default (METRICS_TOKEN unset); what turning it on costs is a row of its own.
  const [metered, meteredAlike] = await accounts({ METRICS_TOKEN: 'bench-metrics-token-0123456789' })
  scenarios.push(
    {
      name: 'Trestle GET /health/live',
      request: { url: `${trestle.url}/health/live` },
      target: '≥ 90%',
      met: atLeast(0.9),
    },
    {
      name: me,
      request: plain,
      alike: [plainAlike],
      target: '≥ 60%',
      met: atLeast(0.6),
    },
    { name: byId, request: { url: `${trestle.url}/items/${id}` }, target: '≥ 50%', met: atLeast(0.5) },
    {
      name: 'Trestle POST /items/ (token, validation, insert, event)',
      request: {
        url: `${writer.url}/items`,
        method: 'POST',
        headers: { authorization: writerBearer, ...json },
        body: '{"name":"Teapot","price":9.99,"tags":["kitchen"]}',
      },
      target: '≥ 35%',
      met: atLeast(0.35),
    },
    {
      name: 'Trestle GraphQL `item(id) { name price owner { name } }`',
      request: {
        url: `${trestle.url}/graphql`,
        method: 'POST',
        headers: json,
        body: JSON.stringify({ query: `{ item(id: "${id}") { name price owner { name } } }` }),
      },
      versus: byId,
      target: '≥ 70% of GET /items/{id}',
      met: atLeast(0.7),
    },
    {
      name: 'Trestle GET /users/me with the Redis limiter',
      request: withRedis,
      alike: [withRedisAlike],
      versus: me,
      target: '≤ 10% loss, p99 ≤ 1.5×',
      met: (row, base) => ratio(row, base) >= 0.9 && perRound(row, base, (m) => m.latencyP99Ms) <= 1.5,
    },
    {
      name: 'Trestle GET /users/me at LOG_LEVEL=info (vs warn)',
      request: info,
      alike: [infoAlike],
      versus: me,
      target: '≤ 10% loss',
      met: atLeast(0.9),
    },
    {
      name: 'Trestle GET /users/me with /metrics on (vs off)',
      request: metered,
      alike: [meteredAlike],
      versus: me,
      target: 'reported',
    },
  )
  // BENCH_ONLY=<regex>: only the matching rows, with bare Fastify and the rows they are compared with.
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined
  if (!only) return scenarios
  const wanted = scenarios.filter((s) => only.test(s.name))
  const kept = new Set(['bare Fastify hello', ...wanted.flatMap((s) => [s.name, s.versus ?? ''])])
  return scenarios.filter((s) => kept.has(s.name))
}

const scratch = await mkdtemp(join(tmpdir(), 'trestle-bench-'))
let redis: RedisServer | undefined
try {
  // Redis stands in for another host: on the load's core, never taking the server's.
  redis = await startRedisServer({ cpus: '1' })
  const missing = await fastapiMissing()
  if (missing) notes.push(`The original FastAPI system is left out: ${missing}.`)

  const load = (request: Request, length: number) =>
    wrk(request, { seconds: length, connections: CONNECTIONS, scratch })
  const results = new Map<string, Measured[]>()
  let scenarios: Scenario[] = []
  for (let round = 1; round <= rounds; round++) {
    scenarios = await startServers(redis, missing)
    // Warm-up: JIT compilers, caches and connection pools settle before anything counts.
    for (const s of scenarios) for (const request of servers(s)) await load(request, Math.min(seconds, 3))
    const measures = new Map<string, Measured[]>()
    for (const { scenario: s, request } of schedule(scenarios)) {
      pauseAllBut(request.url)
      // Paused while earlier rows ran, the server's load shedding counts the pause as event-loop delay and
      // sheds (503) until its next sample (SHED_SAMPLE_INTERVAL, 1 s): a short load first, not counted.
      const measured = await load(request, SETTLE_SECONDS)
        .then(() => load(request, seconds))
        .finally(resumeAll)
      const mine = [...(measures.get(s.name) ?? []), measured]
      measures.set(s.name, mine)
      if (mine.length < servers(s).length) continue
      const m = meanOf(mine)
      results.set(s.name, [...(results.get(s.name) ?? []), m])
      const each =
        mine.length > 1 ? ` (${mine.map((x) => x.requestsPerSecond.toFixed(0)).join(' and ')})` : ''
      console.error(
        `round ${round}/${rounds} ${s.name}: ${m.requestsPerSecond.toFixed(0)} req/s${each}, p99 ${m.latencyP99Ms.toFixed(2)} ms`,
      )
    }
    await stopAll()
  }

  const summary = new Map<string, Summary>()
  for (const s of scenarios) {
    const runs = results.get(s.name) ?? []
    summary.set(s.name, {
      name: s.name,
      requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
      latencyMedianMs: median(runs.map((r) => r.latencyMedianMs)),
      latencyP99Ms: median(runs.map((r) => r.latencyP99Ms)),
      failures: runs.reduce((sum, r) => sum + r.failures, 0),
      runs,
    })
  }

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1))
  console.log(
    `${rounds} interleaved rounds × ${seconds} s, wrk -t1 -c${CONNECTIONS} on core 1, servers on core 0 ` +
      `(started afresh each round), ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ` +
      `medians over rounds\n`,
  )
  console.log('| scenario | req/s | p50 ms | p99 ms | ratio | target | met | errors |')
  console.log('|---|---|---|---|---|---|---|---|')
  const bareHello = summary.get('bare Fastify hello')
  for (const s of scenarios) {
    const row = summary.get(s.name)
    const base = summary.get(s.versus ?? 'bare Fastify hello') ?? bareHello
    if (!row || !base) continue
    const share = ratio(row, base)
    const shown =
      s.versus === me
        ? `${share >= 1 ? '+' : '−'}${Math.abs(100 * (share - 1)).toFixed(0)}% vs the /users/me row`
        : `${(100 * share).toFixed(0)}% of ${s.versus === byId ? 'GET /items/{id}' : 'bare Fastify'}`
    const met = s.met ? (s.met(row, base) ? 'yes' : 'no') : ''
    console.log(
      `| ${row.name} | ${fmt(row.requestsPerSecond)} | ${ms(row.latencyMedianMs)} | ${ms(row.latencyP99Ms)} | ${shown} | ${s.target ?? '—'} | ${met} | ${row.failures} |`,
    )
  }
  // The original system against Trestle, where both ran.
  for (const [original, ours] of [
    ['original system, GET /users/me', me],
    [
      'original system, POST /items/ (stores nothing)',
      'Trestle POST /items/ (token, validation, insert, event)',
    ],
  ] as const) {
    const a = summary.get(original)
    const b = summary.get(ours)
    if (a && b) notes.push(`${ours}: ${ratio(b, a).toFixed(1)}× the ${original}.`)
  }
  // The same rows against the floor: what they cost beyond what §2 keeps on every response.
  const floorRow = summary.get('bare Fastify hello with request id and security headers')
  const againstFloor = scenarios
    .filter((s) => s.name.startsWith('Trestle') && !s.versus)
    .flatMap((s) => {
      const row = summary.get(s.name)
      return row && floorRow
        ? [`${s.name.replace(/^Trestle /, '')} ${(100 * ratio(row, floorRow)).toFixed(0)}%`]
        : []
    })
  const withId = summary.get(idRow)
  if (withId && bareHello && ratio(withId, bareHello) < 0.9) {
    notes.push(
      `Bare Fastify with only a request id and Trestle's loggers does ${(100 * ratio(withId, bareHello)).toFixed(0)}% ` +
        "of bare Fastify: GET /health/live's target (≥ 90%) is above it before any header or hook of its own.",
    )
  }
  if (againstFloor.length > 0) {
    notes.push(`Against the floor row (request id and security headers) instead: ${againstFloor.join('; ')}.`)
  }
  for (const note of notes) console.log(`\n${note}`)
} finally {
  await stopAll()
  await redis?.stop()
  await rm(scratch, { recursive: true, force: true })
}
