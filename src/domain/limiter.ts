// What the services need from a limiter store, whichever holds the counts (in process or Redis): GCRA buckets
// for request rates, and consecutive-failure counters with blocks for the login throttle. Both are one atomic
// step per call in the shared store, so several instances count as one.
//
// The algorithm of the buckets is GCRA (the generic cell rate algorithm): a policy of `limit` units per
// `windowMs` allows a burst of `limit`, then one unit every windowMs/limit. Each key holds one timestamp (the
// theoretical arrival time), so a decision is one read-modify-write.

export interface LimitPolicy {
  /** Shown to clients in rate-limit headers. */
  name: string
  limit: number
  windowMs: number
}

export interface LimitDecision {
  allowed: boolean
  limit: number
  /** Units still available right now (after this request when it was allowed). */
  remaining: number
  /** Milliseconds until the bucket is full again. */
  resetMs: number
  /** Milliseconds until a request of the same cost would be allowed; 0 when allowed. */
  retryAfterMs: number
}

export interface LimiterStore {
  /** Takes `cost` units when they are available; a refused request takes nothing. */
  consume(key: string, policy: LimitPolicy, cost?: number): Promise<LimitDecision>
  /**
   * Counts one failure at `now` and returns how many there have been in a row: a failure more than
   * `forgetMs` after the previous one starts the count again.
   */
  countFailure(key: string, now: number, forgetMs: number): Promise<number>
  /** Blocks `key` from `now` for `ms`. */
  block(key: string, now: number, ms: number): Promise<void>
  /** When the block on `key` ends (milliseconds since the epoch), or 0 when there is none. */
  blockedUntil(key: string): Promise<number>
  /** Forgets whatever `key` holds. */
  reset(key: string): Promise<void>
  close(): Promise<void>
}
