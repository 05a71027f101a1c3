// The embedded database file: private to its owner, and a file that another process keeps locked is a 503
// problem after DATABASE_TIMEOUT, never a 500 or a hang.
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { parseSettings } from '../../src/config.ts'

let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trestle-sqlite-'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

const mode = async (path: string) => (await stat(path)).mode & 0o777

describe('the SQLite file', () => {
  it('is created in a directory of mode 0700 with files of mode 0600', async () => {
    const dataDir = join(root, 'fresh', 'data')
    const app = await buildApp(parseSettings({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { logger: false })
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/users',
        payload: { username: 'alice', email: 'alice@example.com', password: 'correct horse battery' },
      })
      expect(res.statusCode).toBe(201)
      expect(await mode(dataDir)).toBe(0o700)
      expect(await mode(join(root, 'fresh'))).toBe(0o700)
      for (const file of ['trestle.sqlite', 'trestle.sqlite-wal', 'trestle.sqlite-shm']) {
        expect(await mode(join(dataDir, file))).toBe(0o600)
      }
    } finally {
      await app.close()
    }
  })

  it('answers 503 with Retry-After while another process holds the write lock', async () => {
    const dataDir = join(root, 'locked')
    const settings = parseSettings({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_TIMEOUT: '200' })
    const app = await buildApp(settings, { logger: false })
    const other = new DatabaseSync(join(dataDir, 'trestle.sqlite'))
    try {
      other.exec('BEGIN EXCLUSIVE')
      const started = performance.now()
      const res = await app.inject({
        method: 'POST',
        url: '/users',
        payload: { username: 'bob', email: 'bob@example.com', password: 'correct horse battery' },
      })
      expect(performance.now() - started).toBeLessThan(2000)
      expect(res.statusCode).toBe(503)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
      expect(res.json().type).toMatch(/#unavailable$/)
      other.exec('ROLLBACK')
      const again = await app.inject({
        method: 'POST',
        url: '/users',
        payload: { username: 'bob', email: 'bob@example.com', password: 'correct horse battery' },
      })
      expect(again.statusCode).toBe(201)
    } finally {
      other.close()
      await app.close()
    }
  })
})
