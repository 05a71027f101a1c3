// The shared store with a safety net: when Redis errors or times out, each instance decides alone with an
// in-memory store, granting its share of every policy (the limit divided by the expected instance count),
// until Redis answers again. Requests are always decided; the outage shows in logs and readiness. After a
// failure the primary rests for `retryAfterMs`, so that a hung Redis costs one timeout, not one per request.
import { RestAfterFailure } from '../redis/rest.ts'
import type { LimitDecision, LimiterStore, LimitPolicy } from './limiter.ts'

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

  consume(key: string, policy: LimitPolicy, cost = 1): Promise<LimitDecision> {
    return this.#decide((store, p) => store.consume(key, p, cost), policy)
  }

  peek(key: string, policy: LimitPolicy): Promise<LimitDecision> {
    return this.#decide((store, p) => store.peek(key, p), policy)
  }

  async reset(key: string): Promise<void> {
    await this.#fallback.reset(key)
    if (this.#worthTrying()) await this.#primary.reset(key).catch((error) => this.#fail(error))
  }

  async close(): Promise<void> {
    await Promise.all([this.#primary.close(), this.#fallback.close()])
  }

  async #decide(
    run: (store: LimiterStore, policy: LimitPolicy) => Promise<LimitDecision>,
    policy: LimitPolicy,
  ): Promise<LimitDecision> {
    if (this.#worthTrying()) {
      try {
        const decision = await run(this.#primary, policy)
        if (this.#degraded) {
          this.#degraded = false
          this.#log.info({}, 'rate limits: back on the shared store')
        }
        return decision
      } catch (error) {
        this.#fail(error)
      }
    } else {
      this.#fail(undefined)
    }
    const share = { ...policy, limit: Math.max(1, Math.floor(policy.limit / this.#instances)) }
    const decision = await run(this.#fallback, share)
    // Clients see the policy as published; the remaining count is this instance's.
    return { ...decision, limit: policy.limit }
  }

  #fail(error: unknown): void {
    if (error !== undefined) this.#rest.failed()
    if (this.#degraded) return
    this.#degraded = true
    this.#log.warn({ err: error }, 'rate limits: shared store unavailable; each instance limits alone')
  }
}
