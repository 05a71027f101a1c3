// The state of one dependency as its adapter sees it: an outage is logged once when it starts and once when
// it ends, never once per failed request. Concurrent calls straddle the edges of an outage (one fails while
// another succeeds), so it ends only with a success a quiet period after the last failure.

export interface OutageLog {
  info(details: Record<string, unknown>, message: string): void
  error(details: Record<string, unknown>, message: string): void
}

export class Outage {
  readonly #name: string
  readonly #log: OutageLog
  readonly #quietMs: number
  readonly #now: () => number
  #down = false
  #lastFailure = 0

  constructor(name: string, log: OutageLog, options: { quietMs?: number; now?: () => number } = {}) {
    this.#name = name
    this.#log = log
    this.#quietMs = options.quietMs ?? 1000
    this.#now = options.now ?? Date.now
  }

  get down(): boolean {
    return this.#down
  }

  /** A call failed because the dependency is unreachable, hung or refusing work. */
  failed(error: unknown, message = 'unavailable'): void {
    this.#lastFailure = this.#now()
    if (this.#down) return
    this.#down = true
    this.#log.error({ err: error }, `${this.#name}: ${message}`)
  }

  /** A call succeeded. */
  succeeded(message = 'available again'): void {
    if (!this.#down || this.#now() - this.#lastFailure < this.#quietMs) return
    this.#down = false
    this.#log.info({}, `${this.#name}: ${message}`)
  }
}
