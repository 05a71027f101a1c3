// Brute-force protection for sign-in (RFC 6749 §4.3.2, OWASP authentication cheat sheet). Failed attempts
// are counted per account and IP (tight), per account (looser: attacks spread over many IPs) and per IP
// (one address trying many accounts). Past a rule's threshold, each further failure locks that scope for
// twice as long as the last, up to a ceiling. Attempts refused during a lock count nothing, so a stranger
// cannot extend a lock beyond one failure per lock period, and after the delay the right password works.
import type { LimiterStore, LimitPolicy } from '../adapters/limits/limiter.ts'

export interface ThrottleRule {
  /** Failures (each forgotten `forgetMs` after the last) before the first lock. */
  threshold: number
  /** The first lock; each further failure doubles it. */
  baseDelayMs: number
  maxDelayMs: number
}

export interface LoginThrottleRules {
  accountAndIp: ThrottleRule
  account: ThrottleRule
  ip: ThrottleRule
  /** Quiet time after which one failure is forgotten. */
  forgetMs: number
}

export const DEFAULT_LOGIN_RULES: LoginThrottleRules = {
  accountAndIp: { threshold: 5, baseDelayMs: 15_000, maxDelayMs: 15 * 60_000 },
  account: { threshold: 20, baseDelayMs: 15_000, maxDelayMs: 15 * 60_000 },
  ip: { threshold: 100, baseDelayMs: 15_000, maxDelayMs: 15 * 60_000 },
  forgetMs: 15 * 60_000,
}

// Far above any threshold: the counter's `remaining` tells how many failures are remembered.
const COUNTER_CAPACITY = 10_000
// A lock is a bucket of one unit whose refill time is the lock's length.
const LOCK: LimitPolicy = { name: 'login-lock', limit: 1, windowMs: 1 }

export class LoginThrottle {
  readonly #store: LimiterStore
  readonly #rules: LoginThrottleRules
  readonly #counter: LimitPolicy

  constructor(store: LimiterStore, rules: LoginThrottleRules = DEFAULT_LOGIN_RULES) {
    this.#store = store
    this.#rules = rules
    this.#counter = {
      name: 'login-failures',
      limit: COUNTER_CAPACITY,
      windowMs: COUNTER_CAPACITY * rules.forgetMs,
    }
  }

  #scopes(username: string, ip: string): [string, ThrottleRule][] {
    const user = username.toLowerCase()
    return [
      [`login:account-ip:${user}:${ip}`, this.#rules.accountAndIp],
      [`login:account:${user}`, this.#rules.account],
      [`login:ip:${ip}`, this.#rules.ip],
    ]
  }

  /** Milliseconds to wait before another attempt, or 0 when one may be made now. */
  async waitMs(username: string, ip: string): Promise<number> {
    const locks = await Promise.all(
      this.#scopes(username, ip).map(([key]) => this.#store.peek(`${key}:lock`, LOCK)),
    )
    return Math.max(0, ...locks.map((d) => d.retryAfterMs))
  }

  async failed(username: string, ip: string): Promise<void> {
    await Promise.all(
      this.#scopes(username, ip).map(async ([key, rule]) => {
        const counted = await this.#store.consume(`${key}:failures`, this.#counter)
        const failures = COUNTER_CAPACITY - counted.remaining
        if (failures < rule.threshold) return
        const delay = Math.min(rule.baseDelayMs * 2 ** (failures - rule.threshold), rule.maxDelayMs)
        await this.#store.reset(`${key}:lock`)
        await this.#store.consume(`${key}:lock`, { ...LOCK, windowMs: delay })
      }),
    )
  }

  /** A correct password clears this account's failures from this IP. */
  async succeeded(username: string, ip: string): Promise<void> {
    const [first] = this.#scopes(username, ip)
    if (!first) return
    await Promise.all([this.#store.reset(`${first[0]}:failures`), this.#store.reset(`${first[0]}:lock`)])
  }
}
