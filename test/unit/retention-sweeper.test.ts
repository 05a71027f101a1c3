// The retention sweeper's timer, on fake timers: a failed sweep is logged (one an outage cut short at warn) and
// retried, the first sweep comes within a minute and later ones every interval ±20%, and stop() ends a sweep
// between batches and waits for it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { UnavailableError } from '../../src/domain/errors.ts'
import {
  Retention,
  type RetentionStore,
  RetentionSweeper,
  type SweepCounts,
} from '../../src/domain/retention.ts'

const HOUR = 3_600_000

function recordingLog() {
  const lines: { level: string; details: Record<string, unknown>; message: string }[] = []
  return {
    lines,
    info: (details: Record<string, unknown>, message: string) =>
      lines.push({ level: 'info', details, message }),
    warn: (details: Record<string, unknown>, message: string) =>
      lines.push({ level: 'warn', details, message }),
    error: (details: Record<string, unknown>, message: string) =>
      lines.push({ level: 'error', details, message }),
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('RetentionSweeper', () => {
  it('logs a failed sweep at error and tries again at the next tick', async () => {
    const log = recordingLog()
    let calls = 0
    const sweep = async (): Promise<SweepCounts> => {
      calls += 1
      if (calls === 1) throw new Error('database down')
      return { refreshTokens: 1, roomMessages: 2 }
    }
    const sweeper = new RetentionSweeper({ sweep }, { intervalMs: HOUR, log, random: () => 0.5 })
    sweeper.start()
    await vi.advanceTimersByTimeAsync(30_000)
    expect(log.lines).toEqual([
      { level: 'error', details: { err: expect.any(Error) }, message: expect.stringMatching(/sweep failed/) },
    ])
    await vi.advanceTimersByTimeAsync(HOUR)
    expect(calls).toBe(2)
    expect(log.lines[1]).toMatchObject({ level: 'info', details: { refreshTokens: 1, roomMessages: 2 } })
    await sweeper.stop()
  })

  it('logs a sweep cut short by an outage at warn: the outage itself is logged once, where it is seen', async () => {
    const log = recordingLog()
    const sweep = async (): Promise<SweepCounts> => {
      throw new UnavailableError('database', { cause: new Error('connection terminated') })
    }
    const sweeper = new RetentionSweeper({ sweep }, { intervalMs: HOUR, log, random: () => 0.5 })
    sweeper.start()
    await vi.advanceTimersByTimeAsync(30_000 + HOUR)
    expect(log.lines).toEqual([
      { level: 'warn', details: { dependency: 'database' }, message: expect.stringMatching(/sweep skipped/) },
      { level: 'warn', details: { dependency: 'database' }, message: expect.stringMatching(/sweep skipped/) },
    ])
    await sweeper.stop()
  })

  it('never sweeps with an interval of 0', async () => {
    const sweep = vi.fn(async () => ({ refreshTokens: 0, roomMessages: 0 }))
    const sweeper = new RetentionSweeper({ sweep }, { intervalMs: 0, log: recordingLog() })
    sweeper.start()
    await vi.advanceTimersByTimeAsync(10 * HOUR)
    expect(sweep).not.toHaveBeenCalled()
    await sweeper.stop()
  })

  it('sweeps first within a minute of start, then every interval ±20%', async () => {
    const sweep = vi.fn(async () => ({ refreshTokens: 0, roomMessages: 0 }))
    const draws = [0.999, 0, 1]
    const random = () => draws.shift() ?? 0.5
    const sweeper = new RetentionSweeper({ sweep }, { intervalMs: HOUR, log: recordingLog(), random })
    sweeper.start()
    await vi.advanceTimersByTimeAsync(59_939)
    expect(sweep).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(sweep).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(0.8 * HOUR - 1)
    expect(sweep).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(sweep).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(1.2 * HOUR)
    expect(sweep).toHaveBeenCalledTimes(3)
    await sweeper.stop()
    await vi.advanceTimersByTimeAsync(10 * HOUR)
    expect(sweep).toHaveBeenCalledTimes(3)
  })

  it('stops a sweep under way after its current batch, and waits for it', async () => {
    let release: () => void = () => {}
    let batches = 0
    const store: RetentionStore = {
      async deleteExpiredRefreshTokens(_before, limit) {
        batches += 1
        await new Promise<void>((resolve) => {
          release = resolve
        })
        return limit // always a full batch: the backlog never ends on its own
      },
      deleteRevokedRefreshTokens: async () => 0,
      deleteMessagesBefore: async () => 0,
      rooms: async () => [],
      trimPoint: async () => undefined,
      deleteRoomMessagesFrom: async () => 0,
    }
    const retention = new Retention({
      store,
      policy: { refreshTokenGraceSeconds: 0, roomHistoryLimit: 0, roomHistoryDays: 0 },
      batchSize: 10,
    })
    const log = recordingLog()
    const sweeper = new RetentionSweeper(retention, { intervalMs: HOUR, log, random: () => 0 })
    sweeper.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(batches).toBe(1)
    let stopped = false
    const stopping = sweeper.stop().then(() => {
      stopped = true
    })
    await Promise.resolve()
    expect(stopped).toBe(false)
    release()
    await stopping
    expect(batches).toBe(1)
    expect(log.lines).toEqual([
      {
        level: 'info',
        details: { refreshTokens: 10, roomMessages: 0, ms: expect.any(Number) },
        message: expect.any(String),
      },
    ])
  })
})
