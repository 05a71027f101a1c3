// The shared store with a safety net: when Redis errors or times out, each instance decides alone with an
// in-memory store, granting its share of every policy (the limit divided by the expected instance count),
// until Redis answers again. Requests are always decided; the outage shows in logs and readiness. After a
// failure the primary rests for `retryAfterMs`, so that a hung Redis costs one timeout, not one per request.

import type { LimitDecision, LimiterStore, LimitPolicy } from '../../domain/limiter.ts'
import { RestAfterFailure } from '../redis/rest.ts'

export interface FallbackLog {
  warn(details: Record<string, unknown>, message: string): void
  info(details: Record<string, unknown>, message: string): void
}

export class FallbackLimiterStore implements LimiterStore {
  readonly #primary: LimiterStore
  readonly #fallback: LimiterStore
  readonly #instances: number
  readonly #primaryUp: () => boolean
  readonly #log: FallbackLog
  readonly #rest: RestAfterFailure
  #degraded = false

  /** `primaryUp` says whether trying the primary is worth it (its connection is up). */
  constructor(options: {
    primary: LimiterStore
    fallback: LimiterStore
    instances: number
    primaryUp: () => boolean
    log: FallbackLog
    /** How long to leave the primary alone after it failed (default 1 s). */
    retryAfterMs?: number
    now?: () => number
  }) {
    this.#primary = options.primary
    this.#fallback = options.fallback
    this.#instances = options.instances
    this.#primaryUp = options.primaryUp
    this.#log = options.log
    this.#rest = new RestAfterFailure(options.retryAfterMs, options.now)
  }

  #worthTrying(): boolean {
    return this.#primaryUp() && !this.#rest.resting
  }

  /** True while decisions are made per instance. */
  get degraded(): boolean {
    return this.#degraded
  }

  async consume(key: string, policy: LimitPolicy, cost = 1): Promise<LimitDecision> {
    // Alone, an instance grants its share of the policy; clients still see the policy as published.
    const share = { ...policy, limit: Math.max(1, Math.floor(policy.limit / this.#instances)) }
    const decision = await this.#either(
      (store) => store.consume(key, policy, cost),
      (store) => store.consume(key, share, cost),
    )
    return { ...decision, limit: policy.limit }
  }

  countFailure(key: string, now: number, forgetMs: number): Promise<number> {
    return this.#either((store) => store.countFailure(key, now, forgetMs))
  }

  block(key: string, now: number, ms: number): Promise<void> {
    return this.#either((store) => store.block(key, now, ms))
  }

  blockedUntil(key: string): Promise<number> {
    return this.#either((store) => store.blockedUntil(key))
  }

  async reset(key: string): Promise<void> {
    await this.#fallback.reset(key)
    if (this.#worthTrying()) await this.#primary.reset(key).catch((error) => this.#fail(error))
  }

  async close(): Promise<void> {
    await Promise.all([this.#primary.close(), this.#fallback.close()])
  }

  // The primary when it answers, else the in-process store (`alone` says how to ask it).
  async #either<T>(
    run: (store: LimiterStore) => Promise<T>,
    alone: (store: LimiterStore) => Promise<T> = run,
  ): Promise<T> {
    if (this.#worthTrying()) {
      try {
        const result = await run(this.#primary)
        if (this.#degraded) {
          this.#degraded = false
          this.#log.info({}, 'rate limits: back on the shared store')
        }
        return result
      } catch (error) {
        this.#fail(error)
      }
    } else {
      this.#fail(undefined)
    }
    return alone(this.#fallback)
  }

  #fail(error: unknown): void {
    if (error !== undefined) this.#rest.failed()
    if (this.#degraded) return
    this.#degraded = true
    this.#log.warn({ err: error }, 'rate limits: shared store unavailable; each instance limits alone')
  }
}
