// Commits only append to the WAL; a worker thread copies it into the database file, so no commit waits for
// a checkpoint's fsyncs. The data must still reach the file, and survive a close, and the WAL must not grow
// without end under writes that never pause. The worker runs only while there are writes.
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/adapters/db/database.ts'
import { transactions } from '../../src/adapters/db/group-commit.ts'
import { NodeSqliteDatabase } from '../../src/adapters/db/sqlite.ts'
import { Outage } from '../../src/adapters/outage.ts'

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trestle-checkpoint-'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

const size = async (path: string) => (await stat(path).catch(() => ({ size: 0 }))).size
const tick = () => new Promise((resolve) => setTimeout(resolve, 25))

// Bounded wait: 400 polls, 25 ms apart.
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await condition()); i++) await tick()
}

function write(db: NodeSqliteDatabase, rows: number): void {
  db.prepare('create table t (id integer primary key, body text)').run([])
  const insert = db.prepare('insert into t (body) values (?)')
  for (let i = 0; i < rows; i++) insert.run(['x'.repeat(500)])
}

describe('WAL checkpoints in a worker thread', () => {
  it('leave commits to the WAL alone, on the committing connection', () => {
    const db = new NodeSqliteDatabase(join(root, 'a.sqlite'), { checkpointMs: 60_000 })
    try {
      const [row] = db.prepare('pragma wal_autocheckpoint').all([]) as { wal_autocheckpoint: number }[]
      expect(row?.wal_autocheckpoint).toBe(0)
    } finally {
      db.close()
    }
  })

  it('copy committed pages into the database file without the committing connection', async () => {
    const path = join(root, 'b.sqlite')
    const db = new NodeSqliteDatabase(path, { checkpointMs: 20 })
    try {
      write(db, 2000) // about 1 MB, more than SQLite's own 1000-page threshold would have let grow
      await until(async () => (await size(path)) > 1_000_000)
      expect(await size(path)).toBeGreaterThan(1_000_000)
    } finally {
      db.close()
    }
  })

  it('run from the first write until writes stop, and again with the next write', async () => {
    const path = join(root, 'e.sqlite')
    const db = new NodeSqliteDatabase(path, { checkpointMs: 20, checkpointIdleMs: 300 })
    try {
      db.prepare('create table t (id integer primary key, body text)').run([])
      const insert = db.prepare('insert into t (body) values (?)')
      // Nothing written (a table is no change of a row): no worker, however many intervals pass.
      for (let i = 0; i < 10; i++) await tick()
      expect(db.checkpointing).toBe(false)

      for (let i = 0; i < 1000; i++) insert.run(['x'.repeat(500)])
      await until(async () => (await size(path)) > 500_000)
      expect(db.checkpointing).toBe(true)
      expect(await size(path)).toBeGreaterThan(500_000)

      await until(() => !db.checkpointing)
      expect(db.checkpointing).toBe(false)

      for (let i = 0; i < 1000; i++) insert.run(['y'.repeat(500)])
      await until(async () => (await size(path)) > 1_000_000)
      expect(await size(path)).toBeGreaterThan(1_000_000)
    } finally {
      db.close()
    }
    expect(existsSync(`${path}-wal`)).toBe(false)
    const reopened = new DatabaseSync(path)
    try {
      expect(reopened.prepare('select count(*) as n from t').get()).toEqual({ n: 2000 })
    } finally {
      reopened.close()
    }
  })

  it('report a worker that cannot open the file, and leave the writing connection serving', async () => {
    const dir = join(root, 'moved')
    await mkdir(dir)
    const reported: string[] = []
    const outage = new Outage('database', { info() {}, error: (_, message) => reported.push(message) })
    const db = new NodeSqliteDatabase(join(dir, 'f.sqlite'), { checkpointMs: 20, outage })
    try {
      db.prepare('create table t (id integer primary key)').run([])
      // The open connection keeps its files; the worker, opening the path, finds a directory there.
      await rename(dir, join(root, 'moved-away'))
      await mkdir(join(dir, 'f.sqlite'), { recursive: true })
      db.prepare('insert into t default values').run([])
      await until(() => reported.length > 0)
      expect(reported).toEqual(['database: unavailable'])
      db.prepare('insert into t default values').run([])
      expect(db.prepare('select count(*) as n from t').all([])).toEqual([{ n: 2 }])
    } finally {
      db.close()
    }
  })

  it('lose nothing at close', () => {
    const path = join(root, 'c.sqlite')
    const db = new NodeSqliteDatabase(path, { checkpointMs: 60_000 })
    write(db, 300)
    db.close()
    // The worker let go first, so this connection closed last: it checkpointed and removed the WAL, and the
    // directory can be deleted at once.
    expect(existsSync(`${path}-wal`)).toBe(false)
    const reopened = new DatabaseSync(path)
    try {
      expect(reopened.prepare('select count(*) as n from t').get()).toEqual({ n: 300 })
      expect(reopened.prepare('pragma integrity_check').get()).toEqual({ integrity_check: 'ok' })
    } finally {
      reopened.close()
    }
  })
})

describe('The WAL under writes that never stop', () => {
  it('starts over once past its limit, with every write kept', async () => {
    const path = join(root, 'd.sqlite')
    const limit = 256 * 1024
    const handle = openDatabase({
      url: `sqlite://${path}`,
      dataDir: root,
      poolSize: 1,
      checkpointMs: 5,
      walLimitBytes: limit,
    })
    try {
      await sql`create table t (id integer primary key, body text)`.execute(handle.db)
      await sql`insert into t (body) values ('first')`.execute(handle.db)
      // The worker is at work once the first row's page has reached the file.
      await until(async () => (await size(path)) >= 8192)
      const writes = transactions(handle.db)
      const body = 'x'.repeat(2000)
      const insert = () => writes.run((trx) => sql`insert into t (body) values (${body})`.execute(trx))
      // 16,000 rows of 2 KB, 32 MB, in groups that follow each other without a pause: without a restart
      // the WAL held most of it (28 MB), with them it passes the limit by what is written while the
      // worker's request for one reaches this thread (about 2 MB here).
      let largest = 0
      for (let wave = 0; wave < 800; wave++) {
        await Promise.all(Array.from({ length: 20 }, insert))
        largest = Math.max(largest, await size(`${path}-wal`))
      }
      expect(largest).toBeLessThan(16 * limit)
      const [row] = (await sql<{ n: number }>`select count(*) as n from t`.execute(handle.db)).rows
      expect(row?.n).toBe(16_001)
    } finally {
      await handle.close()
    }
  })
})
