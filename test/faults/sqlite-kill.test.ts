// The embedded set-up killed (SIGKILL) in the middle of concurrent writes, three times over: each restart
// on the same DATA_DIR serves every item it had acknowledged with a 201, and the file passes SQLite's own
// integrity check. A commit that was answered must have reached the WAL before the answer left.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, signUp, writers } from '../support/load.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'

let dataDir: string
let server: ServerProcess | undefined

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trestle-sigkill-'))
})
afterAll(async () => {
  await server?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

async function killed(running: ServerProcess): Promise<void> {
  const exited = new Promise((resolve) => running.child.once('exit', resolve))
  running.child.kill('SIGKILL')
  await exited
}

describe('SQLite under SIGKILL', () => {
  it('keeps every acknowledged item, and an intact file, across three kills under 8 writers', async () => {
    server = await startServer({ dataDir })
    const auth = await signUp(server.url, 'writer')
    const acknowledged: string[] = []
    for (let round = 0; round < 3; round++) {
      const base = server.url
      const load = writers(8, (w, i) =>
        call('POST', `${base}/items/`, { headers: auth, body: { name: `r${round} w${w}-${i}`, price: 2.5 } }),
      )
      await load.progress(50 + round * 17)
      await killed(server)
      await load.stop()
      // Up to the kill every write was acknowledged; after it, none answered at all.
      const answered = load.answers.filter((res) => res.status !== 0)
      expect(answered.every((res) => res.status === 201)).toBe(true)
      expect(answered.length, 'writes were in flight at the kill').toBeLessThan(load.answers.length)
      acknowledged.push(...load.created)
      // The same signing key and account on restart: the token still works.
      server = await startServer({ dataDir })
    }
    expect(acknowledged.length).toBeGreaterThan(100)
    const missing: string[] = []
    for (const id of acknowledged) {
      const res = await call('GET', `${server.url}/items/${id}`)
      if (res.status !== 200) missing.push(`${id}: ${res.status}`)
    }
    expect(missing).toEqual([])

    expect(await server.stop()).toBe(0)
    server = undefined
    const db = new DatabaseSync(join(dataDir, 'trestle.sqlite'), { readOnly: true })
    try {
      expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }])
      // More is fine: a write may commit and lose its answer to the kill.
      const { n } = db.prepare('select count(*) as n from items').get() as { n: number }
      expect(n).toBeGreaterThanOrEqual(acknowledged.length)
    } finally {
      db.close()
    }
  }, 120_000)
})
