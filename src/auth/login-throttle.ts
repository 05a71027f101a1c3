// Brute-force protection for sign-in (RFC 6749 §4.3.2, OWASP authentication cheat sheet). Failed attempts
// are counted per account and IP (tight), per account (looser: attacks spread over many IPs) and per IP
// (one address trying many accounts). Past a rule's threshold, each further failure locks that scope for
// twice as long as the last, up to a ceiling. Attempts refused during a lock count nothing, so a stranger
// cannot extend a lock beyond one failure per lock period, and after the delay the right password works.
// The counts and blocks live in the limiter store (Redis when configured), on this throttle's clock.
import type { LimiterStore } from '../domain/limiter.ts'
import { type LockScope, noTelemetry, type Telemetry } from '../domain/telemetry.ts'

export interface ThrottleRule {
  /** Failures in a row (each within `forgetMs` of the last) before the first block. */
  threshold: number
  /** The first block; each further failure doubles it. */
  baseDelayMs: number
  maxDelayMs: number
}

export interface LoginThrottleRules {
  accountAndIp: ThrottleRule
  account: ThrottleRule
  ip: ThrottleRule
  /** Quiet time after which the failures in a row are forgotten. */
  forgetMs: number
}

export const DEFAULT_LOGIN_RULES: LoginThrottleRules = {
  accountAndIp: { threshold: 5, baseDelayMs: 15_000, maxDelayMs: 15 * 60_000 },
  account: { threshold: 20, baseDelayMs: 15_000, maxDelayMs: 15 * 60_000 },
  ip: { threshold: 100, baseDelayMs: 15_000, maxDelayMs: 15 * 60_000 },
  forgetMs: 15 * 60_000,
}

export class LoginThrottle {
  readonly #store: LimiterStore
  readonly #rules: LoginThrottleRules
  readonly #now: () => number
  readonly #telemetry: Telemetry

  constructor(
    store: LimiterStore,
    rules: LoginThrottleRules = DEFAULT_LOGIN_RULES,
    now = Date.now,
    telemetry: Telemetry = noTelemetry,
  ) {
    this.#store = store
    this.#rules = rules
    this.#now = now
    this.#telemetry = telemetry
  }

  #scopes(username: string, ip: string): [string, ThrottleRule, LockScope][] {
    const user = username.toLowerCase()
    return [
      [`login:account-ip:${user}:${ip}`, this.#rules.accountAndIp, 'account-ip'],
      [`login:account:${user}`, this.#rules.account, 'account'],
      [`login:ip:${ip}`, this.#rules.ip, 'ip'],
    ]
  }

  /** Milliseconds to wait before another attempt, or 0 when one may be made now (the caller then tries). */
  async waitMs(username: string, ip: string): Promise<number> {
    const ends = await Promise.all(
      this.#scopes(username, ip).map(([key]) => this.#store.blockedUntil(`${key}:block`)),
    )
    const wait = Math.max(0, ...ends.map((end) => end - this.#now()))
    if (wait > 0) this.#telemetry.loginAttempt('throttled')
    return wait
  }

  async failed(username: string, ip: string): Promise<void> {
    this.#telemetry.loginAttempt('failed')
    const now = this.#now()
    await Promise.all(
      this.#scopes(username, ip).map(async ([key, rule, scope]) => {
        const failures = await this.#store.countFailure(`${key}:failures`, now, this.#rules.forgetMs)
        if (failures < rule.threshold) return
        const delay = Math.min(rule.baseDelayMs * 2 ** (failures - rule.threshold), rule.maxDelayMs)
        await this.#store.block(`${key}:block`, now, delay)
        this.#telemetry.loginLocked(scope)
      }),
    )
  }

  /** A correct password clears this account's failures from this IP. */
  async succeeded(username: string, ip: string): Promise<void> {
    this.#telemetry.loginAttempt('succeeded')
    const [first] = this.#scopes(username, ip)
    if (!first) return
    await Promise.all([this.#store.reset(`${first[0]}:failures`), this.#store.reset(`${first[0]}:block`)])
  }
}
