// The limiter store: one interface for every limit in the service (login attempts now; request rates per
// IP and per user, GraphQL cost and WebSocket messages later), with an in-process and a shared implementation.
//
// The algorithm is GCRA (the generic cell rate algorithm): a policy of `limit` units per `windowMs` allows a
// burst of `limit`, then one unit every windowMs/limit. Each key holds one timestamp (the theoretical
// arrival time), so a decision is one read-modify-write, which the shared store does atomically.

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
  /** Whether one unit could be taken, and how many are available, without taking any. */
  peek(key: string, policy: LimitPolicy): Promise<LimitDecision>
  reset(key: string): Promise<void>
  close(): Promise<void>
}

/** The GCRA step: given the stored arrival time, the decision and the new arrival time to store. */
export function gcra(
  storedTat: number | undefined,
  now: number,
  policy: LimitPolicy,
  cost: number,
): { decision: LimitDecision; tat: number | undefined } {
  const interval = policy.windowMs / policy.limit
  const tat = Math.max(storedTat ?? now, now)
  const newTat = tat + cost * interval
  const allowAt = newTat - policy.windowMs
  if (now < allowAt) {
    const used = tat - now
    return {
      decision: {
        allowed: false,
        limit: policy.limit,
        remaining: Math.max(0, Math.floor((policy.windowMs - used) / interval)),
        resetMs: Math.ceil(used),
        retryAfterMs: Math.ceil(allowAt - now),
      },
      tat: storedTat,
    }
  }
  const used = newTat - now
  return {
    decision: {
      allowed: true,
      limit: policy.limit,
      remaining: Math.max(0, Math.floor((policy.windowMs - used) / interval + 1e-9)),
      resetMs: Math.ceil(used),
      retryAfterMs: 0,
    },
    tat: newTat,
  }
}

/** Whether one unit could be taken now, and how many are available, without taking any. */
export function peekDecision(storedTat: number | undefined, now: number, policy: LimitPolicy): LimitDecision {
  const one = gcra(storedTat, now, policy, 1).decision
  const none = gcra(storedTat, now, policy, 0).decision
  return { ...one, remaining: none.remaining, resetMs: none.resetMs }
}
