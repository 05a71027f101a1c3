// Rate limits: one service that every transport draws on (a REST request, a GraphQL query by its cost, a
// WebSocket message). Signed-in callers spend their own quota, anonymous callers their network's.

import type { MaybeActor } from './actor.ts'
import { DomainError } from './errors.ts'
import type { LimitDecision, LimiterStore, LimitPolicy } from './limiter.ts'
import { noTelemetry, type Telemetry } from './telemetry.ts'

export interface RateLimitSettings {
  enabled: boolean
  /** Requests per window for an anonymous client (by IP). */
  anonymous: number
  /** Requests per window for a signed-in user. */
  user: number
  /** Requests per window per IP on sign-up and sign-in, whoever asks. */
  auth: number
  windowSeconds: number
}

/** Policies a route may choose instead of the default (anonymous or user). */
export type PolicyChoice = 'auth'

export interface RateDecision extends LimitDecision {
  policy: LimitPolicy
}

/** The bucket of a client address: itself for IPv4, its /64 network for IPv6 (one host gets a whole /64). */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped?.[1]) return mapped[1]
  if (!ip.includes(':')) return ip
  const [head = '', tail = ''] = ip.split('%')[0]?.split('::') ?? []
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}

/** The caller spent its quota; `retryAfterSeconds` tells when one more request will be allowed. */
export class RateLimitedError extends DomainError {
  readonly code = 'rate-limited'
  readonly decision: RateDecision
  readonly retryAfterSeconds: number
  constructor(decision: RateDecision) {
    const window = decision.policy.windowMs / 1000
    super(
      `Rate limit exceeded: the "${decision.policy.name}" policy allows ${decision.policy.limit} requests per ${window} seconds.`,
    )
    this.decision = decision
    this.retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000))
  }
}

export class RateLimits {
  readonly #store: LimiterStore
  readonly #enabled: boolean
  readonly #telemetry: Telemetry
  readonly policies: Readonly<Record<'anonymous' | 'user' | 'auth', LimitPolicy>>

  constructor(store: LimiterStore, settings: RateLimitSettings, telemetry: Telemetry = noTelemetry) {
    this.#store = store
    this.#enabled = settings.enabled
    this.#telemetry = telemetry
    const windowMs = settings.windowSeconds * 1000
    this.policies = {
      anonymous: { name: 'anonymous', limit: settings.anonymous, windowMs },
      user: { name: 'user', limit: settings.user, windowMs },
      auth: { name: 'auth', limit: settings.auth, windowMs },
    }
  }

  get enabled(): boolean {
    return this.#enabled
  }

  /**
   * Charges `cost` units to the caller's bucket and says whether the request may proceed. A refused
   * request is charged nothing. Undefined when limits are disabled.
   */
  async charge(
    caller: { actor: MaybeActor; ip: string },
    cost = 1,
    choice?: PolicyChoice,
  ): Promise<RateDecision | undefined> {
    if (!this.#enabled) return undefined
    const network = clientKey(caller.ip)
    const [policy, subject] =
      choice === 'auth'
        ? [this.policies.auth, `ip:${network}`]
        : caller.actor
          ? [this.policies.user, `user:${caller.actor.id}`]
          : [this.policies.anonymous, `ip:${network}`]
    const decision = await this.#store.consume(`rate:${policy.name}:${subject}`, policy, cost)
    this.#telemetry.rateLimitDecision(policy.name, decision.allowed)
    return { ...decision, policy }
  }
}
