// The load process of `npm run bench:ws` (on core 1, started by bench/ws.ts with an IPC channel): opens the
// connections, subscribes each and waits for its ack, then triggers broadcasts one at a time and times, from
// the trigger, every socket's receipt of the event, on this process's clock. It does what the orchestrator
// says, step by step, so that the server's memory and CPU are read between steps.
import { WebSocket } from 'ws'

export interface ClientPlan {
  url: string
  connections: number
  /** Sub-protocols offered (`['bearer', token]` signs in). */
  protocols: string[]
  subscribe: Record<string, unknown>
  /** A REST write that makes one event for every subscriber, or a frame sent on the first socket. */
  trigger:
    | { kind: 'http'; url: string; headers: Record<string, string>; body: string }
    | { kind: 'frame'; frame: Record<string, unknown> }
  /** Seconds of the idle phase, during which the first socket sends a ping frame every 100 ms. */
  idleSeconds: number
  warmupConnections: number
  warmupBroadcasts: number
  broadcasts: number
  /** Loopback source addresses, used in turn, so that no one address runs out of ephemeral ports. */
  sources: string[]
  /** Connection attempts in flight at once (the server's accept backlog is finite). */
  concurrency: number
}

/** A ping that waited over STALL_MS for its pong: when it was sent (s into the idle phase) and its wait (ms). */
export type Stall = [number, number]

export type Command = 'connect' | 'idle' | 'broadcast' | 'close'

export type Report =
  | { step: 'warmed' }
  | { step: 'connected'; open: number; failures: Record<string, number>; seconds: number }
  /** Round trips of ping frames while the connections were idle: how long the server kept a frame waiting. */
  | { step: 'idled'; pings: number; p50: number; max: number; stalls: Stall[] }
  | {
      step: 'broadcasted'
      receipts: number
      missing: number
      duplicates: number
      frameBytes: number
      p50: number
      p99: number
      max: number
      /** Each measured broadcast's trigger (until its HTTP response or frame sent), first and last receipt, ms. */
      triggers: number[]
      firsts: number[]
      lasts: number[]
      /** Each measured broadcast, from trigger to last receipt, in µs of CLOCK_MONOTONIC (as V8's profiles). */
      windows: [number, number][]
      /** Sockets the server closed after they were open, by close code. */
      closed: Record<string, number>
    }

const CONNECT_TIMEOUT_MS = 30_000
const BROADCAST_TIMEOUT_MS = 10_000
// Broadcasts start at least this far apart, so that 20 of them span the server's periodic work (heartbeats,
// account checks) instead of dodging it: a broadcast can come at any moment.
const BROADCAST_PERIOD_MS = 1000
const EVENT = Buffer.from('{"type":"event"')
const ACK = Buffer.from('"type":"ack"')
const PONG = Buffer.from('{"type":"pong"')
const PING_INTERVAL_MS = 100
const STALL_MS = 100

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

function report(message: Report): void {
  process.send?.(message)
}

const commands: Command[] = []
let wake: (() => void) | undefined
process.on('message', (command: Command) => {
  commands.push(command)
  wake?.()
})
// The orchestrator is gone: so is the benchmark.
process.on('disconnect', () => process.exit(1))

async function command(expected: Command): Promise<void> {
  while (commands.length === 0) await new Promise<void>((resolve) => (wake = resolve))
  const got = commands.shift()
  if (got !== expected) throw new Error(`expected ${expected}, got ${got}`)
}

function tally(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1
}

const plan = JSON.parse(process.argv[2] ?? '{}') as ClientPlan
const sockets: WebSocket[] = []
const closedByServer: Record<string, number> = {}
let closing = false

// The broadcast being timed: receipt times (ms since the trigger) of the sockets that have it so far.
let round = 0
let t0 = 0
let times = new Float64Array(0)
let count = 0
let duplicates = 0
let frameBytes = 0
let lastRound = new Uint32Array(0)
let allIn: (() => void) | undefined

function onEvent(index: number, data: Buffer): void {
  const at = performance.now()
  if (round === 0) return // between broadcasts: a straggler, already counted as missing
  if (lastRound[index] === round) {
    duplicates += 1
    return
  }
  lastRound[index] = round
  times[count++] = at - t0
  frameBytes = data.length
  if (count === sockets.length) allIn?.()
}

/** Opens one connection, subscribes, and resolves at its ack; rejects with the reason it failed. */
function open(index: number, keep: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(plan.url, plan.protocols, {
      localAddress: plan.sources[index % plan.sources.length],
      perMessageDeflate: false,
      skipUTF8Validation: true,
    })
    let acked = false
    const timer = setTimeout(() => {
      socket.terminate()
      reject(new Error('timeout'))
    }, CONNECT_TIMEOUT_MS)
    socket.on('open', () => socket.send(JSON.stringify(plan.subscribe)))
    socket.on('unexpected-response', (_request, response) => {
      clearTimeout(timer)
      socket.terminate()
      reject(new Error(`HTTP ${response.statusCode}`))
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(new Error(error.code ?? error.message))
    })
    socket.on('close', (code) => {
      clearTimeout(timer)
      if (!acked) reject(new Error(`closed ${code}`))
      else if (keep && !closing) tally(closedByServer, String(code))
    })
    socket.on('message', (data: Buffer) => {
      if (acked) {
        if (data.length > EVENT.length && EVENT.equals(data.subarray(0, EVENT.length))) onEvent(index, data)
        else if (data.length > PONG.length && PONG.equals(data.subarray(0, PONG.length))) pong?.()
        return
      }
      if (data.indexOf(ACK) < 0) return
      acked = true
      clearTimeout(timer)
      resolve(socket)
    })
  })
}

/** Opens `n` connections, `plan.concurrency` at a time; the failures by reason. */
async function openAll(n: number, keep: boolean): Promise<Record<string, number>> {
  const failures: Record<string, number> = {}
  let next = 0
  const worker = async () => {
    while (next < n) {
      const index = next++
      try {
        const socket = await open(index, keep)
        if (keep) sockets.push(socket)
        else await closeAll([socket])
      } catch (error) {
        tally(failures, (error as Error).message)
      }
    }
  }
  await Promise.all(Array.from({ length: plan.concurrency }, worker))
  return failures
}

function closeAll(list: WebSocket[]): Promise<unknown> {
  return Promise.all(
    list.map(
      (socket) =>
        new Promise((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve(undefined)
          socket.once('close', resolve)
          socket.close()
          setTimeout(() => socket.terminate(), 2000).unref()
        }),
    ),
  )
}

let pong: (() => void) | undefined

/** Pings the server from the first socket, one ping at a time, for `seconds`: the round trips in ms. */
async function probe(seconds: number): Promise<{ rtts: number[]; stalls: Stall[] }> {
  const rtts: number[] = []
  const stalls: Stall[] = []
  const from = performance.now()
  while (performance.now() < from + seconds * 1000) {
    const sent = performance.now()
    const answered = new Promise<void>((resolve) => (pong = resolve))
    sockets[0]?.send(JSON.stringify({ type: 'ping' }))
    await answered
    const rtt = performance.now() - sent
    rtts.push(rtt)
    if (rtt > STALL_MS) stalls.push([(sent - from) / 1000, rtt])
    await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_MS))
  }
  return { rtts, stalls }
}

async function trigger(n: number): Promise<void> {
  if (plan.trigger.kind === 'frame') {
    sockets[0]?.send(JSON.stringify({ ...plan.trigger.frame, text: `broadcast ${n}` }))
    return
  }
  const response = await fetch(plan.trigger.url, {
    method: 'POST',
    headers: plan.trigger.headers,
    body: plan.trigger.body,
  })
  await response.arrayBuffer()
  if (!response.ok) throw new Error(`trigger: HTTP ${response.status}`)
}

/** One broadcast, from its trigger until every socket has it (or the timeout); the receipt times. */
async function broadcast(
  n: number,
): Promise<{ times: Float64Array; window: [number, number]; trigger: number }> {
  round = n + 1
  times = new Float64Array(sockets.length)
  count = 0
  const done = new Promise<void>((resolve) => {
    allIn = resolve
    setTimeout(resolve, BROADCAST_TIMEOUT_MS).unref()
  })
  const start = monotonicUs()
  t0 = performance.now()
  const next = new Promise((resolve) => setTimeout(resolve, BROADCAST_PERIOD_MS))
  await trigger(n)
  const triggered = performance.now() - t0
  await done
  const window: [number, number] = [start, monotonicUs()]
  allIn = undefined
  const received = times.slice(0, count)
  round = 0 // Stragglers of this broadcast are not counted in the next.
  await next
  return { times: received, window, trigger: triggered }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

// Warm-up: the server's per-connection code is compiled before its memory is read.
await openAll(plan.warmupConnections, false)
report({ step: 'warmed' })

await command('connect')
const started = performance.now()
const failures = await openAll(plan.connections, true)
lastRound = new Uint32Array(sockets.length)
report({
  step: 'connected',
  open: sockets.length,
  failures,
  seconds: (performance.now() - started) / 1000,
})

await command('idle')
const probed = await probe(plan.idleSeconds)
const rtts = new Float64Array(probed.rtts).sort()
report({
  step: 'idled',
  pings: rtts.length,
  p50: percentile(rtts, 50),
  max: percentile(rtts, 100),
  stalls: probed.stalls,
})

await command('broadcast')
for (let n = 0; n < plan.warmupBroadcasts; n++) await broadcast(n)
const all: Float64Array[] = []
const windows: [number, number][] = []
const triggers: number[] = []
for (let n = plan.warmupBroadcasts; n < plan.warmupBroadcasts + plan.broadcasts; n++) {
  const result = await broadcast(n)
  all.push(result.times)
  windows.push(result.window)
  triggers.push(result.trigger)
}
const receipts = new Float64Array(all.reduce((sum, t) => sum + t.length, 0))
let at = 0
for (const t of all) {
  receipts.set(t, at)
  at += t.length
}
receipts.sort()
report({
  step: 'broadcasted',
  receipts: receipts.length,
  missing: sockets.length * plan.broadcasts - receipts.length,
  duplicates,
  frameBytes,
  p50: percentile(receipts, 50),
  p99: percentile(receipts, 99),
  max: percentile(receipts, 100),
  windows,
  triggers,
  firsts: all.map((t) => t[0] ?? Number.NaN),
  lasts: all.map((t) => t[t.length - 1] ?? Number.NaN),
  closed: closedByServer,
})

await command('close')
closing = true
await closeAll(sockets)
process.exit(0)
