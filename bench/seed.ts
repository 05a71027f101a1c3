// `npm run seed [-- count]`: adds `count` (default 1,000,000) generated items, with tags, owned by 100 seed
// users, to the configured database (SQLite in DATA_DIR by default, PostgreSQL with DATABASE_URL), in
// batched inserts. Deterministic: the same words, prices and tags every run. For benchmarks, not production.
import { sql } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import { openDatabase } from '../src/adapters/db/database.ts'
import { migrateToLatest } from '../src/adapters/db/migrate.ts'
import { loadSettings } from '../src/config.ts'
import { searchable } from '../src/domain/search.ts'

const count = Number(process.argv[2] ?? 1_000_000)
const BATCH = 500 // rows per INSERT: 9 columns × 500 stays under both engines' parameter limits
const PER_TRANSACTION = 10 // batches

const ADJECTIVES =
  'blue red green black white small large tall round square old new heavy light warm cold soft hard bright dark quiet loud smooth rough shiny matte vintage modern rustic elegant sturdy tiny giant classic simple fancy plain striped dotted golden silver copper'.split(
    ' ',
  )
const MATERIALS =
  'ceramic glass steel wooden cotton leather paper plastic bamboo stone iron wool linen silk clay brass marble velvet cork rubber'.split(
    ' ',
  )
const NOUNS =
  'mug teapot kettle plate bowl spoon fork knife lamp chair table shelf basket vase jar bottle cup saucer tray candle clock mirror frame pillow blanket rug towel apron brush comb notebook pen pencil ruler bag wallet hat scarf glove sock boot sandal umbrella kite ball puzzle drum flute bell whistle'.split(
    ' ',
  )
const PLACES =
  'kitchen garden office bedroom bathroom studio garage cellar attic porch café crème smørrebrød'.split(' ')
const TAGS =
  'kitchen tea coffee garden office home decor gift sale new vintage handmade eco kids outdoor travel winter summer storage lighting'.split(
    ' ',
  )

// mulberry32: a small, fast, seeded generator.
let state = 12
function random(): number {
  state = (state + 0x6d2b79f5) | 0
  let t = Math.imul(state ^ (state >>> 15), 1 | state)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T

const settings = loadSettings()
const database = openDatabase({ url: settings.DATABASE_URL, dataDir: settings.DATA_DIR, poolSize: 1 })
const { db } = database
try {
  await migrateToLatest(db)
  const now = Date.now()
  const owners: string[] = []
  for (let i = 0; i < 100; i++) {
    const username = `seed${String(i).padStart(3, '0')}`
    const found = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', username)
      .executeTakeFirst()
    if (found) owners.push(found.id)
    else {
      const id = uuidv7()
      const at = new Date(now).toISOString()
      // No password can match this hash: seed users exist to own items, never to sign in.
      await db
        .insertInto('users')
        .values({
          id,
          username,
          email: `${username}@example.com`,
          full_name: `Seed User ${i}`,
          role: 'user',
          disabled: false,
          password_hash: '!seed',
          created_at: at,
          updated_at: at,
        })
        .execute()
      owners.push(id)
    }
  }

  // Creation times spread over the year before now, oldest first, ids v7 of the same instant.
  const span = 365 * 24 * 3600 * 1000
  const started = performance.now()
  for (let done = 0; done < count; ) {
    await db.transaction().execute(async (trx) => {
      for (let b = 0; b < PER_TRANSACTION && done < count; b++) {
        const items = []
        const tags = []
        for (let i = 0; i < BATCH && done < count; i++, done++) {
          const msecs = now - span + Math.floor((span * done) / count)
          const id = uuidv7({ msecs })
          const name = `${pick(ADJECTIVES)} ${pick(MATERIALS)} ${pick(NOUNS)} ${done}`
          const description = random() < 0.2 ? null : `A ${pick(ADJECTIVES)} piece for the ${pick(PLACES)}.`
          const at = new Date(msecs).toISOString()
          const item = {
            id,
            name,
            price_cents: 1 + Math.floor(random() * 100_000),
            description,
            search_text: searchable(name, description),
            tags: '[]',
            owner_id: pick(owners),
            version: 1,
            created_at: at,
            updated_at: at,
          }
          items.push(item)
          const n = Math.floor(random() * 4)
          const chosen = new Set<string>()
          for (let t = 0; t < n; t++) chosen.add(pick(TAGS))
          let position = 0
          for (const tag of chosen) tags.push({ item_id: id, tag, position: position++ })
          // In both places the repository keeps them (migration 0007).
          item.tags = JSON.stringify([...chosen])
        }
        await trx.insertInto('items').values(items).execute()
        if (tags.length > 0) await trx.insertInto('item_tags').values(tags).execute()
      }
    })
    if (done % 100_000 < BATCH * PER_TRANSACTION || done === count) {
      const seconds = (performance.now() - started) / 1000
      console.log(`${done.toLocaleString('en-US')} items, ${seconds.toFixed(1)} s`)
    }
  }
  // Fresh statistics, so that the planners see the million rows.
  await sql`analyze`.execute(db)
} finally {
  await database.close()
}
