// Issue 10's benchmark: N open WebSocket connections (default 10,000) to Trestle's /ws and to a bare `ws`
// broadcast server started in the same run; memory per connection and the delivery latency of a broadcast.
// Each server in turn on core 0, one client process with every connection on core 1, both with the file limit
// raised to the hard limit. `npm run bench:ws [-- connections] [--broadcasts K] [--idle seconds] [--profile]`
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { freePort } from '../test/support/free-port.ts'
import { profileWindows } from './cpu-profile.ts'
import { token } from './lib.ts'
import type { ClientPlan, Command, Report } from './ws-client.ts'

const ROOT = new URL('..', import.meta.url).pathname
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    broadcasts: { type: 'string', default: '20' },
    idle: { type: 'string', default: '30' },
    profile: { type: 'boolean', default: false },
  },
})
const connections = Number(positionals[0] ?? 10_000)
const broadcasts = Number(values.broadcasts)
// Long enough for one heartbeat (WS_HEARTBEAT, 30 s) and the account checks (ACCOUNT_CACHE_TTL, 5 s).
const idleSeconds = Number(values.idle)
const TARGET_KB = 20
const TARGET_RATIO = 1.5
// The whole run stops by itself, whatever happens.
const DEADLINE_MS = 30 * 60_000

const hardLimit = Number((await promisify(execFile)('sh', ['-c', 'ulimit -Hn'])).stdout.trim())
if (!Number.isInteger(connections) || connections < 1 || connections + 256 > hardLimit) {
  console.error(
    `connections must be 1 to ${hardLimit - 256}: each process has at most ${hardLimit} file descriptors (ulimit -Hn)`,
  )
  process.exit(2)
}

// Everything started here, stopped on the way out, whatever the way.
const children = new Set<ChildProcess>()
const tempDirs = new Set<string>()
async function cleanUp(): Promise<void> {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true })
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().then(() => process.exit(130)))
}
setTimeout(() => {
  console.error(`bench:ws: gave up after ${DEADLINE_MS / 60_000} minutes`)
  void cleanUp().then(() => process.exit(1))
}, DEADLINE_MS).unref()

/** Node on one core, with the soft file limit raised to the hard one (prlimit and taskset exec in place). */
function pinned(core: number, args: string[], env: Record<string, string>, ipc: boolean): ChildProcess {
  const child = spawn(
    'prlimit',
    [`--nofile=${hardLimit}:${hardLimit}`, 'taskset', '-c', String(core), process.execPath, ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', ...(ipc ? ['ipc' as const] : [])],
    },
  )
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1])
}

async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // After the command name (which may hold spaces): utime and stime are the 12th and 13th fields, in ticks.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** CPU time the whole machine spent busy (every core, every process), in milliseconds. */
async function machineBusyMs(): Promise<number> {
  const [user, nice, system, , , irq, softirq, steal] = (await readFile('/proc/stat', 'utf8'))
    .split('\n')[0]
    ?.trim()
    .split(/\s+/)
    .slice(1)
    .map(Number) ?? [0]
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n)

interface Server {
  name: string
  child: ChildProcess
  base: string
  profileDir: string | undefined
}

async function waitReady(child: ChildProcess, url: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`)
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    await sleep(50)
  }
  throw new Error(`${url} did not answer`)
}

async function startBare(): Promise<Server> {
  const port = await freePort()
  const child = pinned(0, ['bench/ws-bare.ts', String(port)], {}, false)
  const base = `127.0.0.1:${port}`
  await waitReady(child, `http://${base}/`)
  return { name: 'bare ws', child, base, profileDir: undefined }
}

async function startTrestle(name: string, profile: boolean): Promise<Server> {
  const port = await freePort()
  const dataDir = await mkdtemp(join(tmpdir(), 'trestle-bench-ws-'))
  tempDirs.add(dataDir)
  const profileDir = profile ? join(dataDir, 'profile') : undefined
  const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
  const child = pinned(
    0,
    [...flags, 'src/server.ts'],
    {
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      // Every connection comes from one machine and signs in as one user.
      WS_MAX_PER_USER: '20000',
      WS_MAX_PER_IP: '20000',
      // No token expires during the run.
      ACCESS_TOKEN_TTL: '3600',
    },
    false,
  )
  const base = `127.0.0.1:${port}`
  await waitReady(child, `http://${base}/health/ready`)
  return { name, child, base, profileDir }
}

const ITEM = { name: 'Teapot', price: 9.99, tags: ['kitchen'], description: 'Brews four cups.' }
const common = {
  connections,
  idleSeconds,
  broadcasts,
  warmupConnections: Math.min(100, connections),
  warmupBroadcasts: 3,
  sources: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'],
  concurrency: 200,
}

interface Scenario {
  name: string
  start(): Promise<Server>
  plan(server: Server): Promise<ClientPlan>
}

const scenarios: Scenario[] = [
  {
    name: 'bare ws (POST /broadcast)',
    start: startBare,
    plan: async (server) => ({
      ...common,
      url: `ws://${server.base}/ws`,
      protocols: [],
      subscribe: { type: 'subscribe', topic: 'items' },
      // What Trestle's item.created frame carries, so that both frames are about the same size.
      trigger: {
        kind: 'http',
        url: `http://${server.base}/broadcast`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'item.created',
          at: new Date().toISOString(),
          item: {
            id: crypto.randomUUID(),
            ...ITEM,
            owner_id: crypto.randomUUID(),
            version: 1,
            created_at: new Date().toISOString(),
            updated_at: new Date().toISOString(),
          },
        }),
      },
    }),
  },
  {
    name: 'Trestle items (POST /items/)',
    start: () => startTrestle('Trestle items', values.profile),
    plan: async (server) => {
      const access = await token(`http://${server.base}`)
      return {
        ...common,
        url: `ws://${server.base}/ws`,
        protocols: ['bearer', access],
        subscribe: { type: 'subscribe', topic: 'items' },
        trigger: {
          kind: 'http',
          url: `http://${server.base}/items/`,
          headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json' },
          body: JSON.stringify(ITEM),
        },
      }
    },
  },
  {
    name: 'Trestle room (publish frame)',
    start: () => startTrestle('Trestle room', values.profile),
    plan: async (server) => ({
      ...common,
      url: `ws://${server.base}/ws`,
      protocols: ['bearer', await token(`http://${server.base}`)],
      subscribe: { type: 'subscribe', topic: 'room:bench' },
      trigger: { kind: 'frame', frame: { type: 'publish', topic: 'room:bench' } },
    }),
  },
]

function nextReport<S extends Report['step']>(
  child: ChildProcess,
  step: S,
  timeoutMs: number,
): Promise<Extract<Report, { step: S }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`client: no '${step}' within ${timeoutMs} ms`)),
      timeoutMs,
    )
    const onExit = (code: number | null) => reject(new Error(`client exited (${code}) before '${step}'`))
    child.once('exit', onExit)
    child.once('message', (message: Report) => {
      clearTimeout(timer)
      child.off('exit', onExit)
      if (message.step === step) resolve(message as Extract<Report, { step: S }>)
      else reject(new Error(`client: expected '${step}', got '${message.step}'`))
    })
  })
}

const send = (child: ChildProcess, command: Command) => child.send(command)

interface Row {
  scenario: string
  open: number
  failures: Record<string, number>
  connectSeconds: number
  rssBeforeMb: number
  rssAfterMb: number
  kbPerConnection: number
  idleCpuPercent: number
  ping: Extract<Report, { step: 'idled' }>
  cpuMsPerBroadcast: number
  /** Share of all cores that processes other than this benchmark's used while it measured. */
  othersPercent: number
  broadcast: Extract<Report, { step: 'broadcasted' }>
  profile: string[]
}

async function run(scenario: Scenario): Promise<Row> {
  const server = await scenario.start()
  const pid = server.child.pid ?? 0
  let client: ChildProcess | undefined
  try {
    const plan = await scenario.plan(server)
    client = pinned(1, ['bench/ws-client.ts', JSON.stringify(plan)], {}, true)
    await nextReport(client, 'warmed', 120_000)
    await sleep(1000)
    const before = await rssKb(pid)
    const clientPid = client.pid ?? 0
    const ours = async () => {
      const self = process.cpuUsage()
      return (await cpuMs(pid)) + (await cpuMs(clientPid)) + (self.user + self.system) / 1000
    }
    const measuredFrom = { at: performance.now(), machine: await machineBusyMs(), ours: await ours() }

    const connected = nextReport(client, 'connected', 600_000)
    send(client, 'connect')
    const { open, failures, seconds } = await connected
    await sleep(2000)
    const after = await rssKb(pid)

    const idled = nextReport(client, 'idled', (idleSeconds + 60) * 1000)
    const idleFrom = monotonicUs()
    const idleCpu = await cpuMs(pid)
    send(client, 'idle')
    const ping = await idled
    const idleWindow: [number, number] = [idleFrom, monotonicUs()]
    const idleCpuPercent = ((await cpuMs(pid)) - idleCpu) / ((idleWindow[1] - idleWindow[0]) / 100_000)

    const broadcasted = nextReport(client, 'broadcasted', 600_000)
    const broadcastCpu = await cpuMs(pid)
    send(client, 'broadcast')
    const broadcast = await broadcasted
    const cpuMsPerBroadcast = ((await cpuMs(pid)) - broadcastCpu) / (broadcasts + plan.warmupBroadcasts)
    const others = (await machineBusyMs()) - measuredFrom.machine - ((await ours()) - measuredFrom.ours)
    const othersPercent = Math.max(
      0,
      (100 * others) / (availableParallelism() * (performance.now() - measuredFrom.at)),
    )

    const exited = new Promise((resolve) => client?.once('exit', resolve))
    send(client, 'close')
    await exited
    await sleep(1000)
    await stop(server.child)
    const profile = server.profileDir
      ? await describeProfile(server.profileDir, broadcast.windows, idleWindow)
      : []
    return {
      scenario: scenario.name,
      open,
      failures,
      connectSeconds: seconds,
      rssBeforeMb: before / 1024,
      rssAfterMb: after / 1024,
      kbPerConnection: open ? (after - before) / open : Number.NaN,
      idleCpuPercent,
      ping,
      cpuMsPerBroadcast,
      othersPercent,
      broadcast,
      profile,
    }
  } finally {
    if (client) await stop(client)
    await stop(server.child)
  }
}

async function describeProfile(
  dir: string,
  windows: [number, number][],
  idle: [number, number],
): Promise<string[]> {
  const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'))
  if (!file) return ['(no profile written)']
  const lines: string[] = []
  for (const [label, spans] of [
    ['during the measured broadcasts', windows],
    ['while idle', [idle]],
  ] as const) {
    const summary = await profileWindows(join(dir, file), [...spans], ROOT)
    lines.push(`  ${label}: ${summary.samples} samples, ${summary.sampledMs.toFixed(0)} ms`)
    lines.push('    self time:')
    for (const h of summary.bySelf) lines.push(`      ${h.selfPercent.toFixed(1).padStart(5)}%  ${h.name}`)
    lines.push('    on the stack:')
    for (const h of summary.byTotal) lines.push(`      ${h.totalPercent.toFixed(1).padStart(5)}%  ${h.name}`)
  }
  return lines
}

const rows: Row[] = []
try {
  for (const scenario of scenarios) {
    console.error(`bench:ws: ${scenario.name}, ${connections} connections…`)
    rows.push(await run(scenario))
  }
} finally {
  await cleanUp()
}

const bare = rows[0]?.broadcast.p99 ?? Number.NaN
const table = [
  [
    'scenario',
    'open',
    'RSS/conn KB',
    'idle CPU %',
    'idle ping max ms',
    'CPU ms/bcast',
    'p50 ms',
    'p99 ms',
    'max ms',
    'p99 vs bare',
    'target met',
  ],
  ...rows.map((r, i) => {
    const ratio = r.broadcast.p99 / bare
    const met = r.kbPerConnection <= TARGET_KB && ratio <= TARGET_RATIO && r.open === connections
    return [
      r.scenario,
      String(r.open),
      r.kbPerConnection.toFixed(1),
      r.idleCpuPercent.toFixed(1),
      r.ping.max.toFixed(0),
      r.cpuMsPerBroadcast.toFixed(0),
      r.broadcast.p50.toFixed(1),
      r.broadcast.p99.toFixed(1),
      r.broadcast.max.toFixed(1),
      `${ratio.toFixed(2)}x`,
      i === 0 ? '(baseline)' : met ? 'yes' : 'no',
    ]
  }),
]
const widths = table[0]?.map((_, c) => Math.max(...table.map((row) => row[c]?.length ?? 0))) ?? []
const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`
console.log(
  `${connections} connections, ${broadcasts} broadcasts each (after 3 warm-up), server on core 0, clients on core 1`,
)
console.log(line(table[0] ?? []))
console.log(line(widths.map((w) => '-'.repeat(w))))
for (const row of table.slice(1)) console.log(line(row))
const busy = rows.filter((r) => r.othersPercent > 10)
if (busy.length) {
  console.log(
    `warning: other processes used ${busy.map((r) => `${r.othersPercent.toFixed(0)}%`).join(', ')} of the machine ` +
      `during ${busy.map((r) => r.scenario).join(', ')}: run again on a quiet machine`,
  )
}
console.log(
  `targets: RSS/conn ≤ ${TARGET_KB} KB (idle, signed in, one subscription) and p99 ≤ ${TARGET_RATIO}x bare ws`,
)
for (const r of rows) {
  const b = r.broadcast
  console.log(
    `${r.scenario}: opened in ${r.connectSeconds.toFixed(1)} s; server RSS ${r.rssBeforeMb.toFixed(0)} → ${r.rssAfterMb.toFixed(0)} MB; ` +
      `other processes used ${r.othersPercent.toFixed(0)}% of the machine meanwhile; ` +
      `frame ${b.frameBytes} B; ${b.receipts} receipts, ${b.missing} missing, ${b.duplicates} duplicates` +
      (Object.keys(r.failures).length ? `; failed to open: ${JSON.stringify(r.failures)}` : '') +
      (Object.keys(b.closed).length ? `; closed by the server: ${JSON.stringify(b.closed)}` : ''),
  )
  const ms = (list: number[]) => list.map((x) => x.toFixed(0)).join(' ')
  const stalls = r.ping.stalls.map(([at, wait]) => `${wait.toFixed(0)} ms at ${at.toFixed(1)} s`)
  console.log(
    `  idle ${idleSeconds} s: ${r.ping.pings} pings, round trip p50 ${r.ping.p50.toFixed(1)} ms; ` +
      `over 100 ms: ${stalls.length ? stalls.join(', ') : 'none'}`,
  )
  console.log(`  per broadcast, ms after the trigger: response ${ms(b.triggers)}`)
  console.log(`    first receipt ${ms(b.firsts)}`)
  console.log(`    last receipt  ${ms(b.lasts)}`)
  if (r.profile.length) console.log(`${r.scenario}, CPU profile of the server:\n${r.profile.join('\n')}`)
}
