// The GCRA step, shared by the in-process store and the fallback (the Redis store runs the same in Lua).
import type { LimitDecision, LimitPolicy } from '../../domain/limiter.ts'

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
