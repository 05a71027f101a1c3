// `npm run bench:profile [-- seconds]`: where the server's CPU goes on the hot path. Trestle runs on core 0
// under `node --cpu-prof`, from its sources (`src/main.js`: in the bundle every function's file would be
// dist/server.js, and the areas below are read from file names); wrk loads each route of the benchmark's
// table in turn from core 1, and the V8 profile's samples inside each load window are summed by function, by
// self time and on stack.
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../test/support/free-port.ts'
import { token } from './lib.ts'
import { NODE_FLAGS } from './node-flags.ts'
import { wrk } from './wrk.ts'

const seconds = Number(process.argv[2] ?? 10)
const ROOT = new URL('..', import.meta.url).pathname

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: Node[]
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n) // CLOCK_MONOTONIC, as V8's profile timestamps

function name(node: Node): string {
  const { functionName, url, lineNumber } = node.callFrame
  const file = url
    .replace(/^file:\/\//, '')
    .replace(ROOT, '')
    .replace(/^.*node_modules\//, '~/')
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`
}

// Where a function's code lives: its package, Node's HTTP or stream internals, a folder of ours, or V8's own
// entries ((garbage collector), (idle), (program)) and C++ functions called by name.
function area(node: Node): string {
  const { functionName, url } = node.callFrame
  if (!url) return functionName.startsWith('(') ? functionName : `${functionName} (C++)`
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]
  if (pkg) return pkg
  if (/^node:(_http_|http$|internal\/http)/.test(url)) return 'node: http'
  if (/^node:(net|internal\/streams|internal\/stream_base|stream)/.test(url)) return 'node: net and streams'
  if (url.startsWith('node:')) return 'node: other'
  const ours = /\/src\/((?:adapters|transports)\/[^/]+|[^/]+)/.exec(url)?.[1]
  return ours ? `src/${ours}` : url
}

// Top functions by self time and by time on the stack, and self time by area, for the samples taken between
// `from` and `to`; with `requests`, each area's share also as CPU µs per request.
function summarise(
  profile: Profile,
  from: number,
  to: number,
  requests: number,
  top = Number(process.env.PROFILE_TOP ?? 25),
): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  const areas = new Map<string, number>()
  let samples = 0
  let sampledUs = 0
  let time = profile.startTime
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0
    time += delta
    if (time < from || time > to) return
    samples++
    sampledUs += delta
    const leaf = byId.get(id)
    if (leaf) self.set(name(leaf), (self.get(name(leaf)) ?? 0) + 1)
    if (leaf) areas.set(area(leaf), (areas.get(area(leaf)) ?? 0) + 1)
    const seen = new Set<string>()
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const node = byId.get(n)
      if (node) seen.add(name(node))
    }
    for (const s of seen) total.set(s, (total.get(s) ?? 0) + 1)
  })
  const rank = (counts: Map<string, number>) =>
    [...counts]
      .filter(([n]) => !n.startsWith('(root)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([n, c]) => `  ${((100 * c) / Math.max(1, samples)).toFixed(1).padStart(5)}%  ${n}`)
      .join('\n')
  // A sample stands for the time since the one before it: the share of the window, spread over its requests.
  const usPerSample = sampledUs / Math.max(1, samples) / Math.max(1, requests)
  const byArea = [...areas]
    .sort((a, b) => b[1] - a[1])
    .map(
      ([n, c]) =>
        `  ${((100 * c) / Math.max(1, samples)).toFixed(1).padStart(5)}%  ${(c * usPerSample).toFixed(2).padStart(6)} µs  ${n}`,
    )
    .join('\n')
  return `${samples} samples\nby self time:\n${rank(self)}\non the stack:\n${rank(total)}\nby area (self time; µs of the window per request, idle included):\n${byArea}`
}

const dir = await mkdtemp(join(tmpdir(), 'trestle-profile-'))
const port = await freePort()
const url = `http://127.0.0.1:${port}`
const child = spawn(
  'taskset',
  ['-c', '0', process.execPath, ...NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${dir}`, 'src/main.js'],
  {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: join(dir, 'data'),
      // PROFILE_LOG_LEVEL=info: what a log line per request costs.
      LOG_LEVEL: process.env.PROFILE_LOG_LEVEL ?? 'warn',
      RATE_LIMIT_USER: '1000000000',
      RATE_LIMIT_ANONYMOUS: '1000000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
)
const exited = new Promise((resolve) => child.once('exit', resolve))
try {
  for (
    let i = 0;
    !(await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (i > 300) throw new Error('server did not start')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const auth = { authorization: `Bearer ${await token(url)}` }
  const json = { 'content-type': 'application/json' }
  const created = await fetch(`${url}/items`, {
    method: 'POST',
    headers: { ...auth, ...json },
    body: JSON.stringify({ name: 'Teapot', price: 9.99 }),
  })
  const { id } = (await created.json()) as { id: string }
  const routes = [
    ['GET /health/live', { url: `${url}/health/live` }],
    ['GET /users/me (bearer, limiter on)', { url: `${url}/users/me`, headers: auth }],
    ['GET /items/{id} (anonymous, limiter on)', { url: `${url}/items/${id}` }],
    [
      'POST /items/ (token, validation, insert, event)',
      {
        url: `${url}/items`,
        method: 'POST',
        headers: { ...auth, ...json },
        body: '{"name":"Teapot","price":9.99,"tags":["kitchen"]}',
      },
    ],
    [
      'GraphQL item(id) { name price owner { name } }',
      {
        url: `${url}/graphql`,
        method: 'POST',
        headers: json,
        body: JSON.stringify({ query: `{ item(id: "${id}") { name price owner { name } } }` }),
      },
    ],
  ] as const
  // PROFILE_ONLY=<regex>: only the matching routes.
  const only = new RegExp(process.env.PROFILE_ONLY ?? '.')
  const windows: [string, number, number, number][] = []
  for (const [label, request] of routes.filter(([label]) => only.test(label))) {
    await wrk(request, { seconds: Math.min(3, seconds), connections: 50, scratch: dir }) // warm-up
    const from = nowUs()
    const m = await wrk(request, { seconds, connections: 50, scratch: dir })
    const to = nowUs()
    const requests = (m.requestsPerSecond * (to - from)) / 1e6
    windows.push([`${label}: ${m.requestsPerSecond.toFixed(0)} req/s under the profiler`, from, to, requests])
  }
  child.kill('SIGTERM')
  await exited
  const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'))
  if (!file) throw new Error('no profile written')
  const text = await readFile(join(dir, file), 'utf8')
  // PROFILE_KEEP=<file>: keep the V8 profile, to open in Chrome's DevTools or query further.
  if (process.env.PROFILE_KEEP) await writeFile(process.env.PROFILE_KEEP, text)
  const profile = JSON.parse(text) as Profile
  for (const [label, from, to, requests] of windows) {
    console.log(`\n## ${label}\n${summarise(profile, from, to, requests)}`)
  }
} finally {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM')
    await exited
  }
  await rm(dir, { recursive: true, force: true })
}
