// A restart loads the application's compiled modules from DATA_DIR (src/compile-cache.ts) instead of
// parsing and compiling them again, and DATA_DIR stays readable by its owner only.
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ServerProcess, startServer } from '../support/server-process.ts'

// Node's own account of its compile cache, on stderr.
const env = { NODE_DEBUG_NATIVE: 'COMPILE_CACHE', NODE_COMPILE_CACHE: '' }

async function saved(server: ServerProcess): Promise<void> {
  // Bounded: the cache is written 2 s after the server listens.
  for (let i = 0; i < 100 && !server.output().includes('module.flushCompileCache()'); i++) await sleep(100)
  expect(server.output()).toContain('module.flushCompileCache()')
}

describe('the module cache', () => {
  let root: string
  let dataDir: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'trestle-module-cache-'))
    dataDir = join(root, 'data')
  })
  afterEach(() => rm(root, { recursive: true, force: true }))

  it('is saved in DATA_DIR, which only its owner may read, and a restart takes the modules from it', async () => {
    const first = await startServer({ dataDir, env })
    try {
      await saved(first)
      expect(first.output()).not.toMatch(/V8 code cache for ESM \S+\/src\/app\.ts was accepted/)
    } finally {
      expect(await first.stop()).toBe(0)
    }
    expect(statSync(dataDir).mode & 0o777).toBe(0o700)
    expect(existsSync(join(dataDir, 'compile-cache'))).toBe(true)

    const restarted = await startServer({ dataDir, env })
    try {
      expect(restarted.output()).toMatch(/V8 code cache for ESM \S+\/src\/app\.ts was accepted/)
      const res = await fetch(`${restarted.url}/health/live`)
      expect(res.status).toBe(200)
    } finally {
      expect(await restarted.stop()).toBe(0)
    }
  })
})
