// `npm run soak -- <minutes> [--postgres] [--redis]` (issue 13 §4): a Trestle server on core 0 under a steady,
// mixed load from this process on core 1 (bench/soak-load.ts) for N minutes. Every few seconds: the server's
// RSS (/proc), heap and event-loop delay (GET /metrics), the SQLite file and its WAL, requests and errors. Prints a table over time, the RSS
// and heap slopes over the second half, the worst event-loop delay, the throughput and the errors by kind; exits
// 1 when there was any error. Everything listens and connects on 127.0.0.1; every process and temporary
// directory it starts is removed on the way out, SIGINT included.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { request } from 'undici'
import { type PostgresServer, startPostgres } from '../test/support/postgres-server.ts'
import { type RedisServer, startRedisServer } from '../test/support/redis-server.ts'
import { startServer } from './lib.ts'
import { EVENT_GRACE_MS, Tally } from './soak-checks.ts'
import { Load, PLAN } from './soak-load.ts'

const run = promisify(execFile)
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { postgres: { type: 'boolean', default: false }, redis: { type: 'boolean', default: false } },
})
const minutes = Number(positionals[0] ?? 10)
if (!(minutes > 0 && minutes <= 24 * 60)) {
  console.error(
    'usage: npm run soak -- <minutes> [--postgres] [--redis]   (minutes: more than 0, at most 1440)',
  )
  process.exit(2)
}
const SAMPLE_MS = 5000
// A row of the table: every minute, or every 10 s for a short run.
const ROW_MS = minutes < 3 ? 10_000 : 60_000 * Math.ceil(minutes / 15)
const METRICS_TOKEN = randomBytes(24).toString('hex')

// Everything started here, stopped on the way out, whatever the way.
const stops: (() => Promise<void>)[] = []
async function cleanUp(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
}
const tally = new Tally()
let stopAt = Number.POSITIVE_INFINITY
let interrupted = false
process.on('SIGINT', () => {
  if (interrupted) return void cleanUp().then(() => process.exit(130))
  interrupted = true
  // A Ctrl-C reaches the server too: what fails from now on is the interruption's doing.
  tally.closed = true
  console.error('soak: interrupted; stopping the load (SIGINT again to stop at once)')
  stopAt = Date.now()
})
process.once('SIGTERM', () => void cleanUp().then(() => process.exit(143)))
// Whatever happens, the run ends: the duration, a minute to set up, the grace for events, a minute to stop.
setTimeout(
  () => {
    console.error('soak: gave up (past its own deadline)')
    void cleanUp().then(() => process.exit(1))
  },
  minutes * 60_000 + 120_000 + EVENT_GRACE_MS,
).unref()

const loadAverage = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')
/** Milliseconds the server's main thread (its event loop) spent runnable but waiting for a core. */
async function waitingMs(pid: number): Promise<number> {
  return Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[1]) / 1e6
}
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024
}

/** The SQLite database's file and WAL; NaN when there is none (on PostgreSQL, DATA_DIR holds neither). */
async function sqliteMb(dataDir: string): Promise<{ fileMb: number; walMb: number }> {
  const mb = (name: string) =>
    stat(join(dataDir, name)).then(
      (s) => s.size / 2 ** 20,
      () => Number.NaN,
    )
  return { fileMb: await mb('trestle.sqlite'), walMb: await mb('trestle.sqlite-wal') }
}

interface Scrape {
  heapMb: number
  loopP99Ms: number
  handles: number
}

/** Heap, event-loop delay p99 since the last scrape (prom-client resets it) and handles; undefined: 404. */
async function scrape(url: string): Promise<Scrape | undefined> {
  const res = await request(`${url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    headersTimeout: 5000,
    bodyTimeout: 5000,
  })
  const text = await res.body.text()
  if (res.statusCode === 404) return undefined
  if (res.statusCode !== 200) throw new Error(`GET /metrics answered ${res.statusCode}`)
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1])
  return {
    heapMb: value('nodejs_heap_size_used_bytes') / 2 ** 20,
    loopP99Ms: value('nodejs_eventloop_lag_p99_seconds') * 1000,
    handles: value('nodejs_active_handles_total'),
  }
}

interface Sample {
  /** Minutes since the load started, at the end of the sample's window. */
  t: number
  /** The window's length in seconds. */
  seconds: number
  rssMb: number
  /** The SQLite file and its WAL. */
  fileMb: number
  walMb: number
  heapMb: number
  loopP99Ms: number
  handles: number
  cpuPercent: number
  /** Share of the window the event loop was ready to run but core 0 was busy with other processes. */
  waitPercent: number
  requests: number
  events: number
  errors: number
  latencies: number[]
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const usable = points.filter(([, y]) => Number.isFinite(y))
  const n = usable.length
  if (n < 2) return Number.NaN
  const mx = usable.reduce((s, [x]) => s + x, 0) / n
  const my = usable.reduce((s, [, y]) => s + y, 0) / n
  const sxy = usable.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0)
  const sxx = usable.reduce((s, [x]) => s + (x - mx) ** 2, 0)
  return sxx ? sxy / sxx : Number.NaN
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')

async function describeCommit(): Promise<string> {
  const head = (await run('git', ['rev-parse', '--short', 'HEAD'])).stdout.trim()
  const dirty = (await run('git', ['status', '--porcelain', '--', 'src'])).stdout
    .trim()
    .split('\n')
    .filter(Boolean)
  return dirty.length ? `${head} (+ ${dirty.length} uncommitted files under src/)` : head
}

const samples: Sample[] = []
const logLines = { warn: 0, error: 0, examples: [] as string[] }
const startedAt = new Date()
const loadBefore = await loadAverage()
// What the server runs is what the checkout holds now (others may commit during the run).
const commit = await describeCommit().catch(() => 'unknown')
let redis: RedisServer | undefined
let postgres: PostgresServer | undefined
let metricsMissing = false
let exitCode = 0
try {
  if (values.redis) {
    const started = await startRedisServer()
    redis = started
    stops.push(() => started.stop())
  }
  if (values.postgres) {
    const started = await startPostgres()
    postgres = started
    stops.push(() => started.stop())
  }
  const started = await startServer(
    {
      NODE_ENV: 'production',
      METRICS_TOKEN,
      // The limiter runs on every request but never refuses: the soak is not about limits.
      RATE_LIMIT_ANONYMOUS: '1000000000',
      RATE_LIMIT_USER: '1000000000',
      RATE_LIMIT_AUTH: '1000000000',
      // On a shared machine the event loop waits for core 0 behind other processes, and shedding by loop delay
      // would refuse requests for their sake; shedding by heap stays on, as a leak would trip it.
      SHED_EVENT_LOOP_DELAY: '0',
      // No exchange-rate provider: nothing leaves the machine.
      RATE_PROVIDERS: '',
      ...(postgres && { DATABASE_URL: postgres.url }),
      ...(redis && { REDIS_URL: redis.url }),
    },
    {
      // pino writes one JSON object a line; level 40 is warn, 50 error, 60 fatal.
      onLog(line) {
        const level = Number(/"level":(\d+)/.exec(line)?.[1])
        if (tally.closed || !(level >= 40)) return
        if (level >= 50) {
          logLines.error++
          tally.error('server logged an error', line)
        } else logLines.warn++
        if (logLines.examples.length < 5) logLines.examples.push(line.slice(0, 300))
      },
    },
  )
  stops.push(() => started.stop())
  void started.exited.then((how) => {
    if (!tally.closed) tally.error('the server exited', String(how))
    stopAt = Date.now()
  })
  // This process (every thread, and what it starts from now on) on core 1; the server has core 0.
  await run('taskset', ['-a', '-p', '-c', '1', String(process.pid)])

  const load = new Load(started.url, tally, () => stopAt)
  stops.push(() => load.close())
  console.error(`soak: server on core 0 (pid ${started.pid}), setting up the accounts and listeners…`)
  await load.setUp()
  const t0 = Date.now()
  stopAt = Math.min(stopAt, t0 + minutes * 60_000)
  console.error(`soak: ${minutes} min of load, a sample every ${SAMPLE_MS / 1000} s`)

  const sampling = (async () => {
    let cpuBefore = await started.cpuMs()
    let waitBefore = await waitingMs(started.pid)
    let at = performance.now()
    while (Date.now() < stopAt) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(SAMPLE_MS, Math.max(0, stopAt - Date.now()))),
      )
      if (tally.closed) break
      const window = tally.take()
      const cpu = await started.cpuMs().catch(() => Number.NaN)
      const wait = await waitingMs(started.pid).catch(() => Number.NaN)
      const now = performance.now()
      let metrics: Scrape | undefined
      try {
        metrics = await scrape(started.url)
        if (!metrics) metricsMissing = true
      } catch (error) {
        tally.error('GET /metrics failed', String(error))
      }
      const sample: Sample = {
        t: (Date.now() - t0) / 60_000,
        seconds: (now - at) / 1000,
        rssMb: await rssMb(started.pid).catch(() => Number.NaN),
        ...(await sqliteMb(started.dataDir)),
        heapMb: metrics?.heapMb ?? Number.NaN,
        loopP99Ms: metrics?.loopP99Ms ?? Number.NaN,
        handles: metrics?.handles ?? Number.NaN,
        cpuPercent: ((cpu - cpuBefore) / (now - at)) * 100,
        waitPercent: ((wait - waitBefore) / (now - at)) * 100,
        ...window,
      }
      samples.push(sample)
      cpuBefore = cpu
      waitBefore = wait
      at = now
      console.error(
        `soak: ${fixed(sample.t)} min RSS ${fixed(sample.rssMb)} MB heap ${fixed(sample.heapMb)} MB WAL ${fixed(sample.walMb)} MB ` +
          `loop p99 ${fixed(sample.loopP99Ms)} ms CPU ${fixed(sample.cpuPercent, 0)}% waiting ${fixed(sample.waitPercent, 0)}% ` +
          `${fixed(sample.requests / sample.seconds, 0)} req/s errors ${sample.errors}`,
      )
    }
  })()
  await load.run()
  await sampling
  await load.drain()
  // Whatever was counted after the last sample (the drain's lost events above all) joins the last row.
  const rest = tally.take()
  const last = samples.at(-1)
  if (last) {
    last.errors += rest.errors
    last.requests += rest.requests
    last.events += rest.events
  }
  tally.closed = true
} catch (error) {
  tally.closed = true
  console.error('soak: failed:', error)
  exitCode = 1
} finally {
  await cleanUp()
}
const loadAfter = await loadAverage()

// The report, as Markdown on standard output.
const seconds = samples.reduce((s, x) => s + x.seconds, 0)
const totals = samples.reduce(
  (s, x) => ({ requests: s.requests + x.requests, events: s.events + x.events }),
  { requests: 0, events: 0 },
)
const errors = [...tally.byKind.values()].reduce((s, e) => s + e.count, 0)
const secondHalf = samples.filter((s) => s.t >= (samples.at(-1)?.t ?? 0) / 2)
const rssSlope = slope(secondHalf.map((s) => [s.t, s.rssMb]))
const heapSlope = slope(secondHalf.map((s) => [s.t, s.heapMb]))
const loopP99s = samples.map((s) => s.loopP99Ms).filter(Number.isFinite)
const sortedLoop = [...loopP99s].sort((a, b) => a - b)
const allLatencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b)
const database = values.postgres ? 'PostgreSQL' : 'SQLite'
const limiter = values.redis ? 'Redis' : 'in process'

console.log(
  `${minutes} min soak (\`npm run soak -- ${positionals[0] ?? 10}${values.postgres ? ' --postgres' : ''}${values.redis ? ' --redis' : ''}\`), ` +
    `${startedAt.toISOString()}, commit ${commit}; ` +
    `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}; ` +
    `load average ${loadBefore} at the start, ${loadAfter} at the end. ` +
    `Server on core 0 (${database}, limits and bus ${limiter}, limiter on but never refusing, no shedding by event-loop delay), load from core 1: ` +
    Object.entries(PLAN)
      .map(([name, { loops, pauseMs }]) => `${name} ${loops}×${pauseMs} ms`)
      .join(', ') +
    '; listeners: /ws signed in (items, notifications, a room), /ws anonymous (items), graphql-ws (itemEvents, notifications, roomMessages).\n',
)
// Each sample goes to the row holding the middle of its window.
const rowOf = (s: Sample) => Math.max(0, Math.floor(((s.t - s.seconds / 120) * 60_000) / ROW_MS))
const rows = Array.from({ length: Math.max(-1, ...samples.map(rowOf)) + 1 }, (_, index) => ({
  from: (index * ROW_MS) / 60_000,
  samples: samples.filter((s) => rowOf(s) === index),
})).filter((row) => row.samples.length)
// The heap's lowest reading in each row, after a collection, is what stays alive: a leak raises it.
const heapFloor = (row: { samples: Sample[] }) => Math.min(...row.samples.map((s) => s.heapMb))
const floorSlope = slope(
  rows
    .filter((row) => row.from + ROW_MS / 120_000 >= (samples.at(-1)?.t ?? 0) / 2)
    .map((row) => [row.from + ROW_MS / 120_000, heapFloor(row)]),
)
console.log(
  '| minutes | RSS MB | heap MB (min–max) | SQLite file / WAL MB (WAL max) | handles | loop p99 ms (worst 5 s) | server CPU % | waiting for core 0 % | req/s | HTTP p50 / p99 ms | events/s | errors |',
)
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|')
for (const { from, samples: row } of rows) {
  const end = row.at(-1) as Sample
  const to = from + ROW_MS / 60_000
  const sum = (f: (s: Sample) => number) => row.reduce((total, s) => total + f(s), 0)
  const span = sum((s) => s.seconds)
  const worst = Math.max(...row.map((s) => s.loopP99Ms).filter(Number.isFinite))
  const heap = `${fixed(heapFloor({ samples: row }))}–${fixed(Math.max(...row.map((s) => s.heapMb)))}`
  const latencies = row.flatMap((s) => s.latencies).sort((a, b) => a - b)
  const sqlite = values.postgres
    ? '–'
    : `${fixed(end.fileMb)} / ${fixed(end.walMb)} (${fixed(Math.max(...row.map((s) => s.walMb)))})`
  const minute = (m: number) => fixed(m, Number.isInteger(m) ? 0 : 2)
  console.log(
    `| ${minute(from)}–${minute(to)} | ${fixed(end.rssMb)} | ${heap} | ${sqlite} | ${fixed(end.handles, 0)} | ` +
      `${fixed(worst)} | ${fixed(sum((s) => s.cpuPercent * s.seconds) / span, 0)} | ${fixed(sum((s) => s.waitPercent * s.seconds) / span, 0)} | ` +
      `${fixed(sum((s) => s.requests) / span, 0)} | ${fixed(percentile(latencies, 50))} / ${fixed(percentile(latencies, 99))} | ` +
      `${fixed(sum((s) => s.events) / span, 0)} | ${sum((s) => s.errors)} |`,
  )
}
console.log()
console.log(
  `- RSS slope over the second half: ${fixed(rssSlope, 2)} MB/min (${fixed(samples[0]?.rssMb ?? Number.NaN)} → ${fixed(samples.at(-1)?.rssMb ?? Number.NaN)} MB from the first sample to the last)`,
)
if (!values.postgres) {
  const walMax = Math.max(...samples.map((s) => s.walMb).filter(Number.isFinite))
  console.log(
    `- SQLite: the file ${fixed(samples[0]?.fileMb ?? Number.NaN)} → ${fixed(samples.at(-1)?.fileMb ?? Number.NaN)} MB, ` +
      `its WAL at most ${fixed(walMax)} MB in any sample (it starts over past 64 MB)`,
  )
}
console.log(
  metricsMissing
    ? '- heap: n/a (GET /metrics answered 404: this server has no /metrics yet)'
    : `- heap-used slope over the second half: ${fixed(heapSlope, 2)} MB/min over every sample (a saw: ` +
        `${fixed(samples[0]?.heapMb ?? Number.NaN)} → ${fixed(samples.at(-1)?.heapMb ?? Number.NaN)} MB), ` +
        `${fixed(floorSlope, 2)} MB/min over each row's lowest reading (what survives a collection)`,
)
console.log(
  metricsMissing
    ? '- event-loop delay: n/a (it is read from GET /metrics, which this server does not have; nothing outside the process can measure it)'
    : `- event-loop delay p99 (prom-client's monitor, 10 ms resolution: an idle loop reads about 10 ms), per 5 s window: ` +
        `median ${fixed(percentile(sortedLoop, 50))} ms, worst ${fixed(sortedLoop.at(-1) ?? Number.NaN)} ms`,
)
console.log(
  `- throughput: ${totals.requests} requests (HTTP, /ws frames answered, graphql-ws subscriptions that received their first event) in ${fixed(seconds, 0)} s, ` +
    `${fixed(totals.requests / seconds, 0)} req/s; ${totals.events} events received, ${fixed(totals.events / seconds, 0)}/s; ` +
    `HTTP latency p50 ${fixed(percentile(allLatencies, 50))} ms, p99 ${fixed(percentile(allLatencies, 99))} ms`,
)
const waited = samples.reduce((s, x) => s + x.waitPercent * x.seconds, 0) / seconds
console.log(
  `- the event loop waited for core 0, held by other processes, ${fixed(waited)}% of the time (/proc/<pid>/schedstat); ` +
    'that wait shows up as event-loop delay and latency without being Trestle’s',
)
console.log(`- server log: ${logLines.warn} warnings, ${logLines.error} errors`)
for (const line of logLines.examples) console.log(`  - \`${line}\``)
console.log(`- errors: ${errors}${interrupted ? ' (interrupted: the run was cut short)' : ''}`)
for (const [kind, { count, example }] of [...tally.byKind].sort((a, b) => b[1].count - a[1].count)) {
  console.log(`  - ${count} × ${kind}: \`${example.replaceAll('`', "'").replaceAll('\n', ' ')}\``)
}
process.exit(exitCode || (errors > 0 ? 1 : interrupted ? 130 : 0))
