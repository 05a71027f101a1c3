// `npm run bench:scale [-- requests]`: how Trestle answers over a big catalog (seed it first with
// `npm run seed -- 1000000`; the same DATA_DIR or DATABASE_URL here). Start-up to ready and RSS at idle,
// p50/p99 of GET /items for the first page, a deep keyset page, `q`, price and tag filters and each sort
// (one request at a time, so latency is the server's work, not a queue), the EXPLAIN plan of each query,
// RSS after the run. Prints Markdown.
import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { CompiledQuery } from 'kysely'
import { openDatabase } from '../src/adapters/db/database.ts'
import { SqlItemRepository } from '../src/adapters/db/item-repository.ts'
import { loadSettings } from '../src/config.ts'
import type { ItemQuery } from '../src/domain/items.ts'
import { encodeCursor } from '../src/transports/shared/cursor.ts'
import { freePort } from '../test/support/free-port.ts'
import { entry, NODE_FLAGS } from './node-flags.ts'

const requests = Number(process.argv[2] ?? 200)
const ROOT = new URL('..', import.meta.url).pathname
const settings = loadSettings()

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

/** The server on core 0 against the configured database; resolves with the time it took to be ready. */
async function startServer(): Promise<{ url: string; child: ChildProcess; readyMs: number }> {
  const port = await freePort()
  const began = performance.now()
  const child = spawn('taskset', ['-c', '0', process.execPath, ...NODE_FLAGS, entry()], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 3000; i++) {
    if (child.exitCode !== null) throw new Error('server exited')
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return { url, child, readyMs: performance.now() - began }
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  child.kill('SIGTERM')
  throw new Error('server did not start within 15 s')
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN

async function measure(url: string): Promise<{ p50: number; p99: number; items: number }> {
  let items = 0
  const times: number[] = []
  for (let i = 0; i < requests + 10; i++) {
    const began = performance.now()
    const res = await fetch(url)
    const body = (await res.json()) as { items?: unknown[] }
    if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`)
    if (i >= 10) times.push(performance.now() - began) // the first ten warm caches up
    items = body.items?.length ?? 0
  }
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 50), p99: percentile(times, 99), items }
}

// Captures the SQL (and its parameters) the repository runs, to explain it as it stands.
let captured: { sql: string; parameters: readonly unknown[] }[] = []
const database = openDatabase({
  url: settings.DATABASE_URL,
  dataDir: settings.DATA_DIR,
  poolSize: 2,
  queryTimeoutMs: 60_000,
  onQuery: (sql, parameters) => captured.push({ sql, parameters }),
})
const repository = new SqlItemRepository(database.db, database.read)

// Every query a listing runs but the one for the page's tags, each with its plan.
async function explain(query: ItemQuery): Promise<string> {
  captured = []
  await repository.list(query)
  const postgres = database.kind === 'postgres'
  const prefix = postgres ? 'explain (analyze, costs off, timing off, summary off) ' : 'explain query plan '
  const plans: string[] = []
  for (const { sql, parameters } of captured.filter((c) => !c.sql.includes('"tag" from "item_tags"'))) {
    const result = await database.db.executeQuery(CompiledQuery.raw(prefix + sql, [...parameters]))
    const rows = result.rows as Record<string, unknown>[]
    plans.push(
      postgres
        ? rows.map((r) => String(r['QUERY PLAN'])).join('\n')
        : rows.map((r) => `${r.parent === 0 ? '' : '  '}${String(r.detail)}`).join('\n'),
    )
  }
  return plans.join('\n-- then --\n')
}

const counts = async () => {
  const count = async (table: 'items' | 'refresh_tokens' | 'watches' | 'room_messages') =>
    Number(
      (
        await database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  return {
    items: await count('items'),
    refresh_tokens: await count('refresh_tokens'),
    watches: await count('watches'),
    room_messages: await count('room_messages'),
  }
}

const server = await startServer()
try {
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const idleMb = await rssMb(server.child.pid ?? 0)
  const before = await counts()

  // A page 90% of the way down the default order (newest first): the keyset cursor of the row there.
  const deep = await database.db
    .selectFrom('items')
    .select(['created_at', 'id'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(Math.floor(before.items * 0.9))
    .limit(1)
    .executeTakeFirst()
  const deepAfter = deep && { key: deep.created_at, id: deep.id }

  type Row = [string, Record<string, string>, Omit<ItemQuery, 'limit'>]
  const rows: Row[] = [
    ['first page (newest first)', {}, { sort: '-created_at' }],
    [
      'deep page (90% down, keyset)',
      deepAfter ? { cursor: encodeCursor('-created_at', deepAfter) } : {},
      { sort: '-created_at', ...(deepAfter && { after: deepAfter }) },
    ],
    ['q=mug (common word)', { q: 'mug' }, { sort: '-created_at', q: 'mug' }],
    ['q=teapot 4242 (rare)', { q: 'teapot 4242' }, { sort: '-created_at', q: 'teapot 4242' }],
    ['q=teapot 1 (0.2%: the probe misses)', { q: 'teapot 1' }, { sort: '-created_at', q: 'teapot 1' }],
    ['q=smørrebrød (non-ASCII)', { q: 'smørrebrød' }, { sort: '-created_at', q: 'smørrebrød' }],
    ['q=zz (two letters: LIKE, no trigram)', { q: 'zz' }, { sort: '-created_at', q: 'zz' }],
    ['q=mug, sort=price', { q: 'mug', sort: 'price' }, { sort: 'price', q: 'mug' }],
    [
      'min_price=500&max_price=505',
      { min_price: '500', max_price: '505' },
      { sort: '-created_at', minPriceCents: 50_000, maxPriceCents: 50_500 },
    ],
    ['tag=kitchen', { tag: 'kitchen' }, { sort: '-created_at', tag: 'kitchen' }],
    ['tag=kitchen&q=mug', { tag: 'kitchen', q: 'mug' }, { sort: '-created_at', tag: 'kitchen', q: 'mug' }],
    ['tag=nosuch (no item has it)', { tag: 'nosuch' }, { sort: '-created_at', tag: 'nosuch' }],
    ...(['created_at', 'price', '-price', 'name', '-name'] as const).map(
      (sort): Row => [`sort=${sort}`, { sort }, { sort }],
    ),
  ]

  const table: string[] = []
  const plans: string[] = []
  for (const [name, params, query] of rows) {
    const search = new URLSearchParams({ limit: '100', ...params })
    const m = await measure(`${server.url}/items?${search}`)
    table.push(
      `| ${name} | ${m.items} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.p99 <= 50 ? 'yes' : 'no'} |`,
    )
    plans.push(`${name}:\n${await explain({ limit: 101, ...query })}`)
  }
  const afterMb = await rssMb(server.child.pid ?? 0)

  console.log(
    `${database.kind}, ${before.items.toLocaleString('en-US')} items, ${requests} requests per row one at a time`,
  )
  console.log(
    `start-up to ready: ${server.readyMs.toFixed(0)} ms; RSS idle ${idleMb.toFixed(0)} MB, after the run ${afterMb.toFixed(0)} MB`,
  )
  console.log(`rows: ${JSON.stringify(before)}\n`)
  console.log('| GET /items?limit=100& | items | p50 ms | p99 ms | p99 ≤ 50 ms |')
  console.log('|---|---|---|---|---|')
  for (const line of table) console.log(line)
  console.log(`\n\`\`\`\n${plans.join('\n\n')}\n\`\`\``)
} finally {
  const exited = new Promise((resolve) => server.child.once('exit', resolve))
  server.child.kill('SIGTERM')
  await exited
  await database.close()
}
