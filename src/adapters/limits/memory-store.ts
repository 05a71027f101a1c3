// The in-process limiter store: exact for one instance, and the fallback when the shared store is down.
import type { LimitDecision, LimiterStore, LimitPolicy } from '../../domain/limiter.ts'
import { gcra } from './gcra.ts'

const SWEEP_INTERVAL_MS = 60_000

interface Failures {
  count: number
  last: number
  /** When the count may be forgotten. */
  expires: number
}

export class MemoryLimiterStore implements LimiterStore {
  readonly #tats = new Map<string, number>()
  readonly #failures = new Map<string, Failures>()
  readonly #blocks = new Map<string, number>()
  readonly #now: () => number
  readonly #sweeper: NodeJS.Timeout

  constructor(now: () => number = Date.now) {
    this.#now = now
    // Forget full buckets, forgotten failures and ended blocks, so the maps hold only recent keys.
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS)
    this.#sweeper.unref()
  }

  async consume(key: string, policy: LimitPolicy, cost = 1): Promise<LimitDecision> {
    const { decision, tat } = gcra(this.#tats.get(key), this.#now(), policy, cost)
    if (tat !== undefined) this.#tats.set(key, tat)
    return decision
  }

  async countFailure(key: string, now: number, forgetMs: number): Promise<number> {
    const previous = this.#failures.get(key)
    const count = previous && now - previous.last <= forgetMs ? previous.count + 1 : 1
    this.#failures.set(key, { count, last: now, expires: this.#now() + forgetMs })
    return count
  }

  async block(key: string, now: number, ms: number): Promise<void> {
    this.#blocks.set(key, now + ms)
  }

  async blockedUntil(key: string): Promise<number> {
    return this.#blocks.get(key) ?? 0
  }

  async reset(key: string): Promise<void> {
    this.#tats.delete(key)
    this.#failures.delete(key)
    this.#blocks.delete(key)
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper)
    this.#tats.clear()
    this.#failures.clear()
    this.#blocks.clear()
  }

  #sweep(): void {
    const now = this.#now()
    for (const [key, tat] of this.#tats) if (tat <= now) this.#tats.delete(key)
    for (const [key, failures] of this.#failures) if (failures.expires <= now) this.#failures.delete(key)
    for (const [key, until] of this.#blocks) if (until <= now) this.#blocks.delete(key)
  }
}
