// src/main.js (which `npm start` runs from the bundle) keeps the compiled modules in DATA_DIR, which stays
// readable by its owner only, and a restart takes them from there: it neither parses nor compiles them again,
// nor loads Node's TypeScript stripper, whose script and WebAssembly cost 10 MB of memory and 200 ms of
// start-up.
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseSettings } from '../../src/config.ts'
import { type ServerProcess, type StartOptions, startServer } from '../support/server-process.ts'

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url))

// Node's own account of its compile cache, on stderr; and, at exit, whether the stripper was loaded.
const PROBE = `process.on('exit', () => {
  const loaded = process.moduleLoadList.some((m) => m.includes('internal/deps/amaro'))
  process.stderr.write('typescript stripper loaded: ' + loaded + '\\n')
})
`
const STRIPPER_LOADED = 'typescript stripper loaded: true'
const STRIPPER_NOT_LOADED = 'typescript stripper loaded: false'

async function saved(server: ServerProcess): Promise<void> {
  // Bounded: the cache is written 2 s after the server listens.
  for (let i = 0; i < 100 && !server.output().includes('module.flushCompileCache()'); i++) await sleep(100)
  expect(server.output()).toContain('module.flushCompileCache()')
}

describe('the module cache', () => {
  let root: string
  let options: StartOptions
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'trestle-module-cache-'))
    const probe = join(root, 'probe.mjs')
    await writeFile(probe, PROBE)
    options = {
      dataDir: join(root, 'data'),
      entry: MAIN,
      env: { NODE_DEBUG_NATIVE: 'COMPILE_CACHE', NODE_COMPILE_CACHE: '', NODE_OPTIONS: `--import=${probe}` },
    }
  })
  afterEach(() => rm(root, { recursive: true, force: true }))

  it('is saved in DATA_DIR, which only its owner may read, and a restart takes every module from it', async () => {
    const dataDir = options.dataDir ?? ''
    const first = await startServer(options)
    try {
      await saved(first)
      expect(first.output()).not.toMatch(/V8 code cache for ESM \S+\/src\/app\.ts was accepted/)
    } finally {
      expect(await first.stop()).toBe(0)
    }
    // The probe does see the stripper: the first start had to strip the types itself.
    expect(first.output()).toContain(STRIPPER_LOADED)
    expect(statSync(dataDir).mode & 0o777).toBe(0o700)
    expect(existsSync(join(dataDir, 'compile-cache'))).toBe(true)

    const restarted = await startServer(options)
    try {
      expect(restarted.output()).toMatch(/V8 code cache for ESM \S+\/src\/app\.ts was accepted/)
      expect(restarted.output()).toMatch(
        /transpile cache for StrippedTypeScript \S+\/src\/server\.ts\.\.\.success/,
      )
      const res = await fetch(`${restarted.url}/health/live`)
      expect(res.status).toBe(200)
    } finally {
      expect(await restarted.stop()).toBe(0)
    }
    expect(restarted.output()).toContain(STRIPPER_NOT_LOADED)
  })

  // An empty DATA_DIR means the default, as for every setting that has one.
  it.each([
    ['unset', undefined],
    ['empty', ''],
  ])("is kept beside the database in the settings' default DATA_DIR when it is %s", async (_, dataDir) => {
    const server = await startServer({ ...options, dataDir, cwd: root })
    try {
      await saved(server)
    } finally {
      expect(await server.stop()).toBe(0)
    }
    // The settings resolve it against the working directory: here the test's, there the server's.
    const defaultDir = join(root, relative(process.cwd(), parseSettings({}).DATA_DIR))
    expect(existsSync(join(defaultDir, 'trestle.sqlite'))).toBe(true)
    expect(existsSync(join(defaultDir, 'compile-cache'))).toBe(true)
  })

  it('is kept in the DATA_DIR that .env names, as the settings read it', async () => {
    await writeFile(join(root, '.env'), 'DATA_DIR=from-env-file\n')
    const server = await startServer({ ...options, dataDir: undefined, cwd: root })
    try {
      await saved(server)
    } finally {
      expect(await server.stop()).toBe(0)
    }
    expect(existsSync(join(root, 'from-env-file', 'trestle.sqlite'))).toBe(true)
    expect(existsSync(join(root, 'from-env-file', 'compile-cache'))).toBe(true)
    expect(existsSync(join(root, 'data'))).toBe(false)
  })
})
