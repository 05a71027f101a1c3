// `npm run bench:retention [-- tokens messages rooms]`: seeds a backlog into the configured database (SQLite
// in DATA_DIR, or PostgreSQL with DATABASE_URL; use a throwaway one, its two tables are emptied first), then
// runs the retention sweep with the settings' policy and prints the rows before and after, the sweep's
// duration, and the longest single delete statement (how long a batch holds its locks). A second sweep shows
// the cost once nothing is left to delete. Defaults: 1,000,000 refresh tokens (60% of families expired past
// the grace, 10% revoked past it, 30% live, half of those used), 500,000 messages in 20 rooms.
import { sql, type Transaction } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { openDatabase } from '../src/adapters/db/database.ts'
import { migrateToLatest } from '../src/adapters/db/migrate.ts'
import { SqlRetentionStore } from '../src/adapters/db/retention-store.ts'
import type { Database } from '../src/adapters/db/schema.ts'
import { loadSettings } from '../src/config.ts'
import { Retention, type RetentionStore } from '../src/domain/retention.ts'

const tokenCount = Number(process.argv[2] ?? 1_000_000)
const messageCount = Number(process.argv[3] ?? 500_000)
const roomCount = Number(process.argv[4] ?? 20)
const BATCH = 500 // rows per INSERT, under both engines' parameter limits

const settings = loadSettings()
const database = openDatabase({ url: settings.DATABASE_URL, dataDir: settings.DATA_DIR, poolSize: 2 })
const { db } = database
const DAY = 86_400_000
const now = Date.now()
const iso = (ms: number) => new Date(ms).toISOString()

async function count(table: 'refresh_tokens' | 'room_messages'): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function insertBatches<T>(
  total: number,
  row: (i: number) => T,
  insert: (trx: Transaction<Database>, rows: T[]) => Promise<unknown>,
) {
  for (let done = 0; done < total; ) {
    await db.transaction().execute(async (trx) => {
      for (let b = 0; b < 20 && done < total; b++) {
        const rows: T[] = []
        for (let i = 0; i < BATCH && done < total; i++, done++) rows.push(row(done))
        await insert(trx, rows)
      }
    })
  }
}

try {
  await migrateToLatest(db)
  let user = await db
    .selectFrom('users')
    .select('id')
    .where('username', '=', 'retention_bench')
    .executeTakeFirst()
  // The two tables are emptied first: never when they hold anyone else's sign-ins or messages.
  const others = await db
    .selectFrom('refresh_tokens')
    .select('id')
    .where('user_id', '!=', user?.id ?? '00000000-0000-0000-0000-000000000000')
    .unionAll(
      db
        .selectFrom('room_messages')
        .select('id')
        .where('author_id', '!=', user?.id ?? '00000000-0000-0000-0000-000000000000'),
    )
    .limit(1)
    .execute()
  if (others.length > 0) {
    console.error('bench:retention: this database holds real refresh tokens or messages; use a throwaway one')
    process.exit(1)
  }
  await db.deleteFrom('refresh_tokens').execute()
  await db.deleteFrom('room_messages').execute()
  if (!user) {
    user = { id: uuidv7() }
    await db
      .insertInto('users')
      .values({
        id: user.id,
        username: 'retention_bench',
        email: 'retention_bench@example.com',
        full_name: null,
        role: 'user',
        disabled: false,
        password_hash: '!bench', // no password matches: this account never signs in
        created_at: iso(now),
        updated_at: iso(now),
      })
      .execute()
  }
  const userId = user.id
  const grace = settings.REFRESH_TOKEN_GRACE * 1000
  const seeded = performance.now()
  // Families of two rows: the first used, the second its successor; both share the family's expiry.
  let family = uuidv7()
  await insertBatches(
    tokenCount,
    (i) => {
      if (i % 2 === 0) family = uuidv7()
      const kind = i % 100 // spread evenly: 0-59 expired, 60-69 revoked, 70-99 live
      const expired = kind < 60
      const revoked = kind >= 60 && kind < 70
      const expiresAt = expired ? now - grace - DAY : now + DAY
      const id = uuidv7()
      return {
        id,
        family_id: family,
        user_id: userId,
        token_hash: `${id}${id}`.replaceAll('-', '').slice(0, 64),
        scope: 'items:read items:write',
        created_at: iso(expiresAt - settings.REFRESH_TOKEN_TTL * 1000),
        expires_at: iso(expiresAt),
        used_at: i % 2 === 0 ? iso(now - 2 * DAY) : null,
        revoked_at: revoked ? iso(now - grace - DAY) : null,
      }
    },
    (trx, rows) => trx.insertInto('refresh_tokens').values(rows).execute(),
  )
  await insertBatches(
    messageCount,
    (i) => ({
      id: uuidv7(),
      room: `room${String(i % roomCount).padStart(3, '0')}`,
      author_id: userId,
      text: `message ${i}`,
      created_at: iso(now - DAY + i),
    }),
    (trx, rows) => trx.insertInto('room_messages').values(rows).execute(),
  )
  await sql`analyze`.execute(db)
  console.log(`seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s (${database.kind})`)

  // Every store call timed: the longest is the longest a batch held its locks.
  const inner = new SqlRetentionStore(db, database.kind)
  let longest = { ms: 0, call: '' }
  let calls = 0
  const timed = new Proxy(inner, {
    get(target, name) {
      const value = Reflect.get(target, name, target)
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        const started = performance.now()
        const result = await value.apply(target, args)
        const ms = performance.now() - started
        calls += 1
        if (ms > longest.ms) longest = { ms, call: String(name) }
        return result
      }
    },
  }) as RetentionStore
  const retention = new Retention({
    store: timed,
    policy: {
      refreshTokenGraceSeconds: settings.REFRESH_TOKEN_GRACE,
      roomHistoryLimit: settings.ROOM_HISTORY_LIMIT,
      roomHistoryDays: settings.ROOM_HISTORY_DAYS,
    },
    batchSize: settings.RETENTION_BATCH,
  })
  const before = {
    refresh_tokens: await count('refresh_tokens'),
    room_messages: await count('room_messages'),
  }
  for (const round of ['backlog', 'clean']) {
    calls = 0
    longest = { ms: 0, call: '' }
    const started = performance.now()
    const deleted = await retention.sweep()
    const ms = performance.now() - started
    console.log(
      `${round} sweep: deleted ${JSON.stringify(deleted)} in ${ms.toFixed(0)} ms, ${calls} statements, ` +
        `longest ${longest.ms.toFixed(1)} ms (${longest.call}), batch ${settings.RETENTION_BATCH}`,
    )
  }
  const after = { refresh_tokens: await count('refresh_tokens'), room_messages: await count('room_messages') }
  console.log(`rows before: ${JSON.stringify(before)}`)
  console.log(`rows after:  ${JSON.stringify(after)}`)
} finally {
  await database.close()
}
