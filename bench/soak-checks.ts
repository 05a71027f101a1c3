// What the soak counts and checks (bench/soak-load.ts drives the load): requests and errors per window,
// the events acknowledged writes owe to each listener, and a /ws client whose requests wait for their answer.
import WebSocket from 'ws'

/** Milliseconds an acknowledged event may take to reach a listener before it counts as lost. */
export const EVENT_GRACE_MS = 15_000
/** Milliseconds any answer (HTTP, /ws, graphql-ws) may take before it counts as an error. */
export const REQUEST_TIMEOUT_MS = 10_000

/** An error as graphql-ws hands it over: an Error, a list of GraphQL errors, or a close event. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  const close = error as { code?: unknown; reason?: unknown }
  if (typeof close?.code === 'number') return `closed ${close.code} ${String(close.reason ?? '')}`
  return JSON.stringify(error)
}

/** Requests, latencies, events and errors; the sampler takes the window's figures and starts a new one. */
export class Tally {
  requests = 0
  events = 0
  errors = 0
  latencies: number[] = []
  readonly byKind = new Map<string, { count: number; example: string }>()
  /** After the load stopped (or was interrupted) nothing more counts. */
  closed = false

  /** An HTTP request answered in `ms`, or (without) a /ws frame or graphql-ws query answered. */
  request(ms?: number): void {
    if (this.closed) return
    this.requests++
    if (ms !== undefined) this.latencies.push(ms)
  }

  event(): void {
    if (!this.closed) this.events++
  }

  error(kind: string, example: string): void {
    if (this.closed) return
    this.errors++
    const known = this.byKind.get(kind)
    if (known) known.count++
    else this.byKind.set(kind, { count: 1, example: example.slice(0, 300) })
  }

  /** This window's figures; the next window starts empty. */
  take(): { requests: number; events: number; errors: number; latencies: number[] } {
    const window = {
      requests: this.requests,
      events: this.events,
      errors: this.errors,
      latencies: this.latencies,
    }
    this.requests = 0
    this.events = 0
    this.errors = 0
    this.latencies = []
    return window
  }
}

/**
 * Events that acknowledged writes owe to listeners. A key names one event (`created:{id}`,
 * `updated:{id}:{version}`, …); an event may arrive before the write's answer, so both orders are matched.
 */
export class Expectations {
  readonly #pending = new Map<string, { at: number; missing: Set<string> }>()
  readonly #early = new Map<string, { at: number; seen: Set<string> }>()
  readonly #tally: Tally

  constructor(tally: Tally) {
    this.#tally = tally
  }

  expect(key: string, listeners: readonly string[]): void {
    const early = this.#early.get(key)
    this.#early.delete(key)
    const missing = new Set(listeners.filter((l) => !early?.seen.has(l)))
    if (missing.size) this.#pending.set(key, { at: Date.now(), missing })
  }

  seen(listener: string, key: string): void {
    this.#tally.event()
    const pending = this.#pending.get(key)
    if (pending) {
      pending.missing.delete(listener)
      if (!pending.missing.size) this.#pending.delete(key)
      return
    }
    const early = this.#early.get(key) ?? { at: Date.now(), seen: new Set<string>() }
    early.seen.add(listener)
    this.#early.set(key, early)
  }

  /** Counts as lost what is still missing after the grace period, and forgets it. */
  sweep(graceMs: number): void {
    const before = Date.now() - graceMs
    for (const [key, { at, missing }] of this.#pending) {
      if (at > before) break // in order of acknowledgement
      for (const listener of missing) this.#tally.error(`lost event at ${listener}`, key)
      this.#pending.delete(key)
    }
    // Events of writes whose answer never came (already counted as errors).
    for (const [key, { at }] of this.#early) if (at < before - graceMs) this.#early.delete(key)
  }

  /** Forgets what is owed, without counting it lost (while listeners are still subscribing). */
  forget(): void {
    this.#pending.clear()
    this.#early.clear()
  }

  get pending(): number {
    return this.#pending.size
  }
}

export type Frame = Record<string, unknown> & { type?: string; id?: string }

/** A /ws connection: requests answered by the frame carrying their id; events handed to `onEvent`. */
export class WsConnection {
  readonly #ws: WebSocket
  readonly #waiting = new Map<string, (frame: Frame) => void>()
  readonly #name: string
  readonly #tally: Tally
  #next = 0
  #closing = false
  onEvent: (frame: Frame) => void = () => {}

  private constructor(ws: WebSocket, name: string, tally: Tally) {
    this.#ws = ws
    this.#name = name
    this.#tally = tally
    ws.on('message', (data) => {
      let frame: Frame
      try {
        frame = JSON.parse(data.toString()) as Frame
      } catch {
        return this.#tally.error(`${name}: not JSON`, data.toString())
      }
      if (frame.type === 'event') return this.onEvent(frame)
      if (frame.type === 'error' && !frame.id)
        this.#tally.error(`${name}: error frame`, JSON.stringify(frame))
      const waiter = typeof frame.id === 'string' ? this.#waiting.get(frame.id) : undefined
      waiter?.(frame)
    })
    ws.on('close', (code, reason) => {
      if (!this.#closing) this.#tally.error(`${name}: closed by the server (${code})`, reason.toString())
      for (const waiter of this.#waiting.values()) waiter({ type: 'closed' })
    })
  }

  static open(origin: string, name: string, tally: Tally, token?: string): Promise<WsConnection | undefined> {
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/ws`, token ? ['bearer', token] : [])
    return new Promise((resolve) => {
      const timer = setTimeout(() => fail(new Error('no open within 10 s')), REQUEST_TIMEOUT_MS)
      const fail = (error: Error) => {
        clearTimeout(timer)
        tally.error(`${name}: could not connect`, String(error))
        ws.terminate()
        resolve(undefined)
      }
      ws.once('error', fail)
      ws.once('open', () => {
        clearTimeout(timer)
        ws.off('error', fail)
        ws.on('error', (error) => tally.error(`${name}: socket error`, String(error)))
        resolve(new WsConnection(ws, name, tally))
      })
    })
  }

  /** Sends a frame and waits for the answer with its id; an error frame or no answer counts as an error. */
  request(frame: Frame, answer: 'ack' | 'pong' = 'ack'): Promise<Frame | undefined> {
    const id = String(++this.#next)
    return new Promise((resolve) => {
      const done = (reply: Frame | undefined) => {
        clearTimeout(timer)
        this.#waiting.delete(id)
        resolve(reply)
      }
      const timer = setTimeout(() => {
        this.#tally.error(`${this.#name}: no ${answer} to ${frame.type}`, JSON.stringify(frame))
        done(undefined)
      }, REQUEST_TIMEOUT_MS)
      this.#waiting.set(id, (reply) => {
        if (reply.type === answer) return done(reply)
        if (reply.type !== 'closed') {
          this.#tally.error(`${this.#name}: ${String(reply.type)} to ${frame.type}`, JSON.stringify(reply))
        }
        done(undefined)
      })
      this.#ws.send(JSON.stringify({ ...frame, id }))
      this.#tally.request()
    })
  }

  close(): Promise<void> {
    this.#closing = true
    if (this.#ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#ws.terminate()
        resolve()
      }, REQUEST_TIMEOUT_MS)
      this.#ws.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      this.#ws.close(1000)
    })
  }
}
