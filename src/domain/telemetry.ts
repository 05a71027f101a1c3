// What services and adapters report for operators (rate-limit decisions, sign-in throttling, events, queries),
// without knowing who counts it: the metrics adapter (src/adapters/metrics) when /metrics is on, else nothing.
// Every method is synchronous and cheap; some run on every request.
import type { DomainEvent } from './events.ts'

export type LoginOutcome = 'succeeded' | 'failed' | 'throttled'
export type LockScope = 'account-ip' | 'account' | 'ip'

export interface Telemetry {
  /** A rate-limit policy allowed or refused a charge. */
  rateLimitDecision(policy: string, allowed: boolean): void
  /** A password sign-in: accepted, refused, or not tried because a lock was on. */
  loginAttempt(outcome: LoginOutcome): void
  /** A failure put a lock on one of the throttle's scopes. */
  loginLocked(scope: LockScope): void
  /** An event left this instance (`sent`), or was dropped because the bus could not carry it. */
  eventPublished(type: DomainEvent['type'], outcome: 'sent' | 'dropped'): void
  /** An event reached this instance's listeners, `lagMs` after it happened. */
  eventDelivered(type: DomainEvent['type'], lagMs: number): void
  /** A database statement finished (or failed) after `ms`. */
  queryFinished(ms: number, failed: boolean): void
}

export const noTelemetry: Telemetry = {
  rateLimitDecision() {},
  loginAttempt() {},
  loginLocked() {},
  eventPublished() {},
  eventDelivered() {},
  queryFinished() {},
}
