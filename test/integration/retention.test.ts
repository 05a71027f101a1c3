// The retention sweep on both databases, with a clock of ours: what the policy lets go goes, what it keeps
// stays (a used refresh token catches its reuse until its family expires; a room keeps its newest messages),
// a backlog larger than a batch goes in one sweep, and two instances sweeping at once delete each row once.
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { SqlRefreshTokenRepository } from '../../src/adapters/db/refresh-token-repository.ts'
import { SqlRetentionStore } from '../../src/adapters/db/retention-store.ts'
import { SqlRoomMessageRepository } from '../../src/adapters/db/room-message-repository.ts'
import { hashToken, RefreshTokenService } from '../../src/auth/refresh-tokens.ts'
import { parseSettings } from '../../src/config.ts'
import { Retention, type RetentionPolicy } from '../../src/domain/retention.ts'
import { RoomService } from '../../src/domain/rooms.ts'
import { createTestApp, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'

const SECOND = 1000
const DAY = 86_400_000
const TTL = 86_400 // seconds: a sign-in lasts a day here
const GRACE = 3600 // seconds

let clock = Date.parse('2030-01-01T00:00:00Z')
const now = () => new Date(clock)
const logged: { details: Record<string, unknown>; message: string }[] = []
let t: TestApp
let alice: SignedUp

beforeAll(async () => {
  t = await createTestApp(
    {},
    {
      log: {
        info: (details, message) => logged.push({ details, message }),
        warn() {},
        error() {},
      },
    },
  )
  alice = await signUpAndIn(t)
})
afterAll(() => t.close())
beforeEach(async () => {
  clock = Date.parse('2030-01-01T00:00:00Z')
  await t.container.database.db.deleteFrom('refresh_tokens').execute()
  await t.container.database.db.deleteFrom('room_messages').execute()
})

const db = () => t.container.database.db
const store = () => new SqlRetentionStore(db(), t.container.database.kind)
const tokens = () => new RefreshTokenService(new SqlRefreshTokenRepository(db()), TTL, now)
const policy = (p: Partial<RetentionPolicy> = {}): RetentionPolicy => ({
  refreshTokenGraceSeconds: GRACE,
  roomHistoryLimit: 0,
  roomHistoryDays: 0,
  ...p,
})
const retention = (p: Partial<RetentionPolicy> = {}, batchSize = 100) =>
  new Retention({ store: store(), policy: policy(p), batchSize, now })

async function count(table: 'refresh_tokens' | 'room_messages'): Promise<number> {
  const row = await db()
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Why the service refuses this token now (or 'accepted'). */
async function refusal(service: RefreshTokenService, token: string): Promise<string> {
  try {
    await service.rotate(token)
    return 'accepted'
  } catch (error) {
    return (error as { reason: string }).reason
  }
}

/** `n` tokens of one family each, expiring at `expiresAt`, written straight to the table. */
async function insertTokens(n: number, expiresAt: string): Promise<void> {
  const rows = Array.from({ length: n }, () => {
    const id = uuidv7()
    return {
      id,
      family_id: uuidv7(),
      user_id: alice.id,
      token_hash: hashToken(id),
      scope: 'items:read',
      created_at: now().toISOString(),
      expires_at: expiresAt,
      used_at: null,
      revoked_at: null,
    }
  })
  await db().insertInto('refresh_tokens').values(rows).execute()
}

describe('refusals', () => {
  it('refuses a batch below one row and a room limit that would cut the history sent on joining', () => {
    expect(() => new Retention({ store: store(), policy: policy(), batchSize: 0 })).toThrow(/batchSize/)
    expect(
      () => new Retention({ store: store(), policy: policy({ roomHistoryLimit: 49 }), batchSize: 10 }),
    ).toThrow(/roomHistoryLimit must be 0 or at least 50/)
  })

  it('refuses settings that name a bad limit, batch or interval, and accepts 0 as "no limit"', () => {
    expect(() => parseSettings({ ROOM_HISTORY_LIMIT: '10' })).toThrow(
      'Invalid configuration: ROOM_HISTORY_LIMIT=10: must be 0 or at least 50',
    )
    expect(() => parseSettings({ RETENTION_BATCH: '0' })).toThrow(/RETENTION_BATCH="0"/)
    expect(() => parseSettings({ RETENTION_INTERVAL: '-1' })).toThrow(/RETENTION_INTERVAL="-1"/)
    expect(() => parseSettings({ REFRESH_TOKEN_GRACE: 'soon' })).toThrow(/REFRESH_TOKEN_GRACE="soon"/)
    expect(parseSettings({ ROOM_HISTORY_LIMIT: '0' }).ROOM_HISTORY_LIMIT).toBe(0)
    expect(parseSettings({})).toMatchObject({
      REFRESH_TOKEN_GRACE: 86_400,
      ROOM_HISTORY_LIMIT: 10_000,
      ROOM_HISTORY_DAYS: 0,
      RETENTION_INTERVAL: 3600,
      RETENTION_BATCH: 1000,
    })
  })
})

describe('refresh tokens', () => {
  it('keeps a used token while its family lives: presented again, it still revokes the family', async () => {
    const service = tokens()
    const first = await service.issue(alice.id, 'items:read')
    const second = (await service.rotate(first)).token
    clock += TTL * SECOND - SECOND // a second before the family expires; the grace long past any `used_at`
    expect(await retention().sweep()).toEqual({ refreshTokens: 0, roomMessages: 0 })
    expect(await count('refresh_tokens')).toBe(2)
    expect(await refusal(service, first)).toBe('reused')
    expect(await refusal(service, second)).toBe('revoked')
  })

  it('deletes a whole family a grace after it expires, not a millisecond before', async () => {
    const service = tokens()
    const first = await service.issue(alice.id, 'items:read')
    const last = (await service.rotate((await service.rotate(first)).token)).token
    clock += (TTL + GRACE) * SECOND - 1
    expect((await retention().sweep()).refreshTokens).toBe(0)
    expect(await refusal(service, last)).toBe('expired')
    clock += 1
    expect((await retention().sweep()).refreshTokens).toBe(3)
    expect(await count('refresh_tokens')).toBe(0)
    // The same invalid_grant as before: nothing was left for it to revoke.
    expect(await refusal(service, first)).toBe('unknown')
  })

  it('deletes revoked tokens a grace after their revocation; a live family beside them is untouched', async () => {
    const service = tokens()
    const revoked = await service.issue(alice.id, 'items:read')
    await service.rotate(revoked).then((next) => service.revoke(next.token))
    const liveUsed = await service.issue(alice.id, 'items:read')
    const live = (await service.rotate(liveUsed)).token
    clock += GRACE * SECOND - 1
    expect((await retention().sweep()).refreshTokens).toBe(0)
    clock += 1
    expect((await retention().sweep()).refreshTokens).toBe(2)
    expect(await count('refresh_tokens')).toBe(2)
    expect(await refusal(service, revoked)).toBe('unknown')
    expect(await refusal(service, liveUsed)).toBe('reused')
    expect(await refusal(service, live)).toBe('revoked')
  })

  it('clears a backlog larger than one batch in one sweep, never more than a batch per statement', async () => {
    await insertTokens(25, new Date(clock - DAY).toISOString())
    await insertTokens(3, new Date(clock + DAY).toISOString())
    const batches: number[] = []
    const counted = store()
    const deleteExpired = counted.deleteExpiredRefreshTokens.bind(counted)
    counted.deleteExpiredRefreshTokens = async (before, limit) => {
      const n = await deleteExpired(before, limit)
      batches.push(n)
      return n
    }
    const swept = await new Retention({ store: counted, policy: policy(), batchSize: 10, now }).sweep()
    expect(swept.refreshTokens).toBe(25)
    expect(batches).toEqual([10, 10, 5])
    expect(await count('refresh_tokens')).toBe(3)
  })

  it('deletes each row once when two instances sweep at the same time', async () => {
    await insertTokens(40, new Date(clock - DAY).toISOString())
    const [a, b] = await Promise.all([retention({}, 7).sweep(), retention({}, 7).sweep()])
    expect(a.refreshTokens + b.refreshTokens).toBe(40)
    expect(await count('refresh_tokens')).toBe(0)
  })
})

describe('room messages', () => {
  const rooms = () =>
    new RoomService({
      messages: new SqlRoomMessageRepository(db()),
      authorName: async () => alice.username,
      events: { publish: async () => {} },
      now,
    })
  const actor = () => ({ id: alice.id, role: 'user' as const, scopes: ['items:read', 'items:write'] })

  /** Posts `n` messages to a room, a second apart, two at a time sharing their instant. */
  async function post(room: string, n: number, prefix = 'm'): Promise<string[]> {
    const texts: string[] = []
    for (let i = 0; i < n; i++) {
      texts.push(`${prefix}${i}`)
      await rooms().post(actor(), room, `${prefix}${i}`)
      if (i % 2 === 1) clock += SECOND
    }
    return texts
  }

  async function texts(room: string): Promise<string[]> {
    const page = await rooms().page(actor(), room, 100)
    return page.messages.map((m) => m.text).reverse()
  }

  it('keeps the newest ROOM_HISTORY_LIMIT of each room; a joining client gets the same history as before', async () => {
    const big = await post('big', 73)
    const small = await post('small', 10)
    const joined = await rooms().history(actor(), 'big')
    const swept = await retention({ roomHistoryLimit: 50 }, 10).sweep()
    expect(swept).toEqual({ refreshTokens: 0, roomMessages: 23 })
    expect(await texts('big')).toEqual(big.slice(23))
    expect(await texts('small')).toEqual(small)
    expect(await rooms().history(actor(), 'big')).toEqual(joined)
    expect(await retention({ roomHistoryLimit: 50 }, 10).sweep()).toEqual({
      refreshTokens: 0,
      roomMessages: 0,
    })
  })

  it('trims, after its first full pass, the rooms written to since', async () => {
    const sweeper = retention({ roomHistoryLimit: 50 }, 10)
    await post('lobby', 60)
    expect((await sweeper.sweep()).roomMessages).toBe(10)
    clock += DAY
    const later = await post('lobby', 5, 'later')
    expect((await sweeper.sweep()).roomMessages).toBe(5)
    expect((await texts('lobby')).slice(-5)).toEqual(later)
    expect(await count('room_messages')).toBe(50)
  })

  it('deletes messages older than ROOM_HISTORY_DAYS in every room, the boundary kept', async () => {
    const repo = new SqlRoomMessageRepository(db())
    const at = (ms: number) => new Date(clock - ms).toISOString()
    const stamps = { old: at(8 * DAY), justOld: at(7 * DAY + 1), boundary: at(7 * DAY), young: at(DAY) }
    for (const room of ['a', 'b']) {
      for (const [text, createdAt] of Object.entries(stamps)) {
        await repo.insert({ id: uuidv7(), room, authorId: alice.id, text, createdAt })
      }
    }
    const swept = await retention({ roomHistoryDays: 7 }, 3).sweep()
    expect(swept.roomMessages).toBe(4)
    expect(await texts('a')).toEqual(['boundary', 'young'])
    expect(await texts('b')).toEqual(['boundary', 'young'])
  })
})

describe('the sweep in the app', () => {
  it('is wired to the database and logs at info what it deleted', async () => {
    await insertTokens(2, '2001-01-01T00:00:00.000Z')
    logged.length = 0
    expect(await t.container.retention.runOnce()).toEqual({ refreshTokens: 2, roomMessages: 0 })
    expect(logged).toEqual([
      {
        details: { refreshTokens: 2, roomMessages: 0, ms: expect.any(Number) },
        message: 'retention: sweep deleted refresh tokens and room messages',
      },
    ])
  })
})
