// The in-process limiter store: exact for one instance, and the fallback when the shared store is down.
import { gcra, type LimitDecision, type LimiterStore, type LimitPolicy, peekDecision } from './limiter.ts'

const SWEEP_INTERVAL_MS = 60_000

export class MemoryLimiterStore implements LimiterStore {
  readonly #tats = new Map<string, number>()
  readonly #now: () => number
  readonly #sweeper: NodeJS.Timeout

  constructor(now: () => number = Date.now) {
    this.#now = now
    // Forget keys whose bucket is full again, so the map holds only recently active keys.
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS)
    this.#sweeper.unref()
  }

  async consume(key: string, policy: LimitPolicy, cost = 1): Promise<LimitDecision> {
    const { decision, tat } = gcra(this.#tats.get(key), this.#now(), policy, cost)
    if (tat !== undefined) this.#tats.set(key, tat)
    return decision
  }

  async peek(key: string, policy: LimitPolicy): Promise<LimitDecision> {
    return peekDecision(this.#tats.get(key), this.#now(), policy)
  }

  async reset(key: string): Promise<void> {
    this.#tats.delete(key)
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper)
    this.#tats.clear()
  }

  #sweep(): void {
    const now = this.#now()
    for (const [key, tat] of this.#tats) if (tat <= now) this.#tats.delete(key)
  }
}
