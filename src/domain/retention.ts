// What the database may forget, and when; the sweep that forgets it, in small batches, on a jittered timer.
//
// Refresh tokens. Every token of a family (one sign-in) carries the family's one `expires_at`: rotation hands
// it on unchanged (src/auth/refresh-tokens.ts). A used token must stay while its family lives, because
// presenting it again is how a stolen token is caught (the family is revoked). So a row goes when
//   - its family expired more than the grace ago: nothing of it can be redeemed, and revoking it would change
//     nothing; or
//   - it was revoked more than the grace ago: a revoked token is refused whatever it is, and deleting it only
//     turns "revoked" into "unknown", the same invalid_grant, with no family to revoke either way.
// A used, unrevoked token of a live family is never deleted, whatever the grace.
//
// Room messages. A room keeps its newest `roomHistoryLimit` messages and those younger than
// `roomHistoryDays` (each bound off when 0); history on join and REST/GraphQL pages read what is kept. Resume
// replays events from the bus's own buffer, never from this table, so deleting messages does not change it.
//
// Every delete is idempotent and bounded (`batchSize` rows a statement), so instances may sweep at once and
// a backlog never holds a long lock.

import { UnavailableError } from './errors.ts'
import { HISTORY, type MessageCursor } from './rooms.ts'

/** The smallest per-room limit: what a client receives on joining a room is never cut short by it. */
export const MIN_ROOM_HISTORY = HISTORY

export interface RetentionPolicy {
  /** Seconds an expired or revoked refresh token is kept before it is deleted. */
  refreshTokenGraceSeconds: number
  /** Newest messages kept per room; 0: no limit. At least MIN_ROOM_HISTORY otherwise. */
  roomHistoryLimit: number
  /** Days a message is kept; 0: no limit. */
  roomHistoryDays: number
}

export interface RefreshTokenCutoffs {
  /** Rows of families whose `expires_at` is at or before this go. */
  expiredBefore: string
  /** Rows whose `revoked_at` is at or before this go. */
  revokedBefore: string
}

export function refreshTokenCutoffs(now: Date, graceSeconds: number): RefreshTokenCutoffs {
  const cutoff = new Date(now.getTime() - graceSeconds * 1000).toISOString()
  return { expiredBefore: cutoff, revokedBefore: cutoff }
}

/** Messages created before this instant go; undefined when messages are not kept by age. */
export function messageAgeCutoff(now: Date, days: number): string | undefined {
  return days > 0 ? new Date(now.getTime() - days * 86_400_000).toISOString() : undefined
}

/** The same rules, row by row: what the adapter's SQL selects, stated once in TypeScript. */
export function refreshTokenDeletable(
  row: { expiresAt: string; revokedAt: string | null },
  cutoffs: RefreshTokenCutoffs,
): boolean {
  return (
    row.expiresAt <= cutoffs.expiredBefore ||
    (row.revokedAt !== null && row.revokedAt <= cutoffs.revokedBefore)
  )
}

export interface RetentionStore {
  /** Deletes up to `limit` refresh tokens whose `expires_at` is at or before `before`; how many went. */
  deleteExpiredRefreshTokens(before: string, limit: number): Promise<number>
  /** Deletes up to `limit` refresh tokens revoked at or before `before`; how many went. */
  deleteRevokedRefreshTokens(before: string, limit: number): Promise<number>
  /** Deletes up to `limit` messages, of any room, created before `before`; how many went. */
  deleteMessagesBefore(before: string, limit: number): Promise<number>
  /**
   * Up to `limit` room names after `after`, in order: every room with a message, or only those with a message
   * created at or after `since`.
   */
  rooms(after: string, limit: number, since?: string): Promise<string[]>
  /** The newest message of a room past its `keep` newest: where trimming starts; undefined if there is none. */
  trimPoint(room: string, keep: number): Promise<MessageCursor | undefined>
  /** Deletes up to `limit` messages of a room at or before `from` (newest first order); how many went. */
  deleteRoomMessagesFrom(room: string, from: MessageCursor, limit: number): Promise<number>
}

export interface SweepCounts {
  refreshTokens: number
  roomMessages: number
}

export interface RetentionLog {
  info(details: Record<string, unknown>, message: string): void
  warn(details: Record<string, unknown>, message: string): void
  error(details: Record<string, unknown>, message: string): void
}

export interface RetentionDeps {
  store: RetentionStore
  policy: RetentionPolicy
  /** Rows a delete statement removes at most. */
  batchSize: number
  now?: () => Date
}

// Messages are stamped by the clock of the instance that stored them: rooms active "since the last sweep"
// are looked for this much earlier, for clocks that disagree.
const CLOCK_SKEW_MS = 10 * 60_000
const ROOM_PAGE = 500

// A delete on the synchronous SQLite driver runs on the event loop: requests get their turn between batches.
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve))

export class Retention {
  readonly #store: RetentionStore
  readonly #policy: RetentionPolicy
  readonly #batch: number
  readonly #now: () => Date
  /** When the last sweep that trimmed every active room started: rooms quiet since then need no look. */
  #roomsTrimmedAt: Date | undefined

  constructor(deps: RetentionDeps) {
    if (!Number.isInteger(deps.batchSize) || deps.batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, not ${deps.batchSize}`)
    }
    const { roomHistoryLimit } = deps.policy
    if (roomHistoryLimit !== 0 && roomHistoryLimit < MIN_ROOM_HISTORY) {
      throw new RangeError(
        `roomHistoryLimit must be 0 or at least ${MIN_ROOM_HISTORY}, not ${roomHistoryLimit}`,
      )
    }
    this.#store = deps.store
    this.#policy = deps.policy
    this.#batch = deps.batchSize
    this.#now = deps.now ?? (() => new Date())
  }

  /** Deletes everything the policy lets go, batch after batch, until none is left or `stopped()` says so. */
  async sweep(stopped: () => boolean = () => false): Promise<SweepCounts> {
    const now = this.#now()
    const tokens = refreshTokenCutoffs(now, this.#policy.refreshTokenGraceSeconds)
    let refreshTokens = await this.#drain(
      (n) => this.#store.deleteExpiredRefreshTokens(tokens.expiredBefore, n),
      stopped,
    )
    refreshTokens += await this.#drain(
      (n) => this.#store.deleteRevokedRefreshTokens(tokens.revokedBefore, n),
      stopped,
    )

    let roomMessages = 0
    const before = messageAgeCutoff(now, this.#policy.roomHistoryDays)
    if (before) roomMessages += await this.#drain((n) => this.#store.deleteMessagesBefore(before, n), stopped)
    if (this.#policy.roomHistoryLimit > 0) roomMessages += await this.#trimRooms(now, stopped)
    return { refreshTokens, roomMessages }
  }

  // A room passes its limit only by receiving messages, so after one full pass only rooms written to since
  // the previous pass can need trimming.
  async #trimRooms(now: Date, stopped: () => boolean): Promise<number> {
    const since =
      this.#roomsTrimmedAt && new Date(this.#roomsTrimmedAt.getTime() - CLOCK_SKEW_MS).toISOString()
    let deleted = 0
    let after = ''
    for (;;) {
      const rooms = await this.#store.rooms(after, ROOM_PAGE, since)
      for (const room of rooms) {
        if (stopped()) return deleted
        const from = await this.#store.trimPoint(room, this.#policy.roomHistoryLimit)
        if (from) {
          deleted += await this.#drain((n) => this.#store.deleteRoomMessagesFrom(room, from, n), stopped)
        }
      }
      const last = rooms.at(-1)
      if (rooms.length < ROOM_PAGE || last === undefined) break
      after = last
    }
    if (!stopped()) this.#roomsTrimmedAt = now
    return deleted
  }

  async #drain(batch: (limit: number) => Promise<number>, stopped: () => boolean): Promise<number> {
    let total = 0
    while (!stopped()) {
      const n = await batch(this.#batch)
      total += n
      // Fewer than a batch: nothing is left (or another instance is deleting the rest).
      if (n < this.#batch) break
      await yieldToIo()
    }
    return total
  }
}

export interface SweeperOptions {
  /** Milliseconds between sweeps, each one jittered by ±20%; 0: never sweep. */
  intervalMs: number
  log: RetentionLog
  /** Milliseconds the sweep took (tests inject a clock; the default reads performance.now). */
  elapsed?: () => number
  random?: () => number
}

/**
 * Runs `retention.sweep()` on a timer: the first within a minute of start (or one interval, when shorter),
 * then every interval, jittered so that instances started together do not sweep together. A failed sweep is
 * logged (at warn when its dependency is unavailable) and retried at the next tick.
 */
export class RetentionSweeper {
  readonly #retention: Pick<Retention, 'sweep'>
  readonly #intervalMs: number
  readonly #log: RetentionLog
  readonly #elapsed: () => number
  readonly #random: () => number
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #stopped = false

  constructor(retention: Pick<Retention, 'sweep'>, options: SweeperOptions) {
    this.#retention = retention
    this.#intervalMs = options.intervalMs
    this.#log = options.log
    this.#elapsed = options.elapsed ?? (() => performance.now())
    this.#random = options.random ?? Math.random
  }

  start(): void {
    if (this.#intervalMs <= 0 || this.#stopped) return
    this.#schedule(this.#random() * Math.min(this.#intervalMs, 60_000))
  }

  /** One sweep now, logged; what the timer runs. */
  async runOnce(): Promise<SweepCounts | undefined> {
    const started = this.#elapsed()
    try {
      const counts = await this.#retention.sweep(() => this.#stopped)
      const ms = Math.round(this.#elapsed() - started)
      this.#log.info({ ...counts, ms }, 'retention: sweep deleted refresh tokens and room messages')
      return counts
    } catch (error) {
      // The adapter logs an outage once, at error; a sweep it cut short is no second fault.
      if (error instanceof UnavailableError) {
        this.#log.warn({ dependency: error.dependency }, 'retention: sweep skipped, dependency unavailable')
      } else {
        this.#log.error({ err: error }, 'retention: sweep failed; the next one retries')
      }
      return undefined
    }
  }

  /** No further sweep starts; one under way stops after its current batch, and this waits for it. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce().then(() => {
        this.#running = undefined
        if (!this.#stopped) this.#schedule(this.#intervalMs * (0.8 + 0.4 * this.#random()))
      })
    }, delayMs)
    this.#timer.unref()
  }
}
