// `npm run bench:budget [-- seconds rounds]`: what a route's own work costs under `npm run bench`'s load,
// and so how much work each of issue 12's targets leaves a route. Bare Fastify's hello, its handler first
// spending 0-40 µs on the CPU, each started afresh every round on core 0 (the others paused), wrk on core 1,
// as `npm run bench` measures. On a VM the load's wake-ups make a slower route pay more per response in the
// kernel too (bench/RESULTS.md), so each µs of work costs more than a µs of throughput.
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuMsOf } from './lib.ts'
import { type Peer, startBaseline } from './peers.ts'
import { wrk } from './wrk.ts'

const seconds = Number(process.argv[2] ?? 10)
const rounds = Number(process.argv[3] ?? 3)
const WORK_US = [0, 2, 5, 10, 20, 40]
const TARGETS = [
  ['GET /health/live', 0.9],
  ['GET /users/me', 0.6],
  ['GET /items/{id}', 0.5],
  ['POST /items/', 0.35],
] as const

const signal = (peer: Peer, name: NodeJS.Signals) => process.kill(-peer.group, name)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN

const scratch = await mkdtemp(join(tmpdir(), 'trestle-budget-'))
const rate = new Map<number, number[]>(WORK_US.map((us) => [us, []]))
const cost = new Map<number, number[]>(WORK_US.map((us) => [us, []]))
try {
  for (let round = 0; round < rounds; round++) {
    const peers: Peer[] = []
    try {
      for (const us of WORK_US) peers.push(await startBaseline('fastify', us))
      const order = round % 2 ? [...WORK_US.keys()].reverse() : [...WORK_US.keys()]
      for (const i of order) {
        const peer = peers[i] as Peer
        const us = WORK_US[i] as number
        for (const other of peers) signal(other, other === peer ? 'SIGCONT' : 'SIGSTOP')
        const request = { url: `${peer.url}/` }
        await wrk(request, { seconds: 2, connections: 50, scratch })
        const before = await cpuMsOf(peer.group)
        const m = await wrk(request, { seconds, connections: 50, scratch })
        const used = 1000 * ((await cpuMsOf(peer.group)) - before)
        rate.get(us)?.push(m.requestsPerSecond)
        cost.get(us)?.push(used / (m.requestsPerSecond * seconds))
        console.error(
          `round ${round + 1}/${rounds}, ${us} µs of work: ${m.requestsPerSecond.toFixed(0)} req/s`,
        )
      }
    } finally {
      for (const peer of peers) signal(peer, 'SIGCONT')
      for (const peer of peers) await peer.stop()
    }
  }
} finally {
  await rm(scratch, { recursive: true, force: true })
}

const bare = median(rate.get(0) ?? [])
console.log(
  `${rounds} interleaved rounds × ${seconds} s, wrk -t1 -c50 on core 1, servers on core 0, ` +
    `${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, medians over rounds\n`,
)
console.log(
  '| bare Fastify hello, work in its handler | req/s | of bare Fastify | CPU µs a request | beyond the work |',
)
console.log('|---|---|---|---|---|')
const share = new Map<number, number>()
for (const us of WORK_US) {
  const rps = median(rate.get(us) ?? [])
  const perRequest = median(cost.get(us) ?? [])
  share.set(us, rps / bare)
  console.log(
    `| ${us} µs | ${Math.round(rps).toLocaleString('en-US')} | ${((100 * rps) / bare).toFixed(0)}% | ` +
      `${perRequest.toFixed(1)} | ${(perRequest - us).toFixed(1)} |`,
  )
}
// The work at which bare Fastify falls to a target's share, read off the table between its rows.
const budget = (target: number): string => {
  for (let i = 1; i < WORK_US.length; i++) {
    const [a, b] = [WORK_US[i - 1] as number, WORK_US[i] as number]
    const [sa, sb] = [share.get(a) ?? 1, share.get(b) ?? 0]
    if (sb <= target && sa >= target) return `${(a + ((sa - target) / (sa - sb)) * (b - a)).toFixed(1)} µs`
  }
  return (share.get(WORK_US[WORK_US.length - 1] as number) ?? 0) > target
    ? `over ${WORK_US.at(-1)} µs`
    : '0 µs'
}
console.log(
  `\nThe work a target leaves a route beyond bare Fastify: ${TARGETS.map(
    ([route, target]) => `${route} (≥ ${100 * target}%) ${budget(target)}`,
  ).join('; ')}.`,
)
