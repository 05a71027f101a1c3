// What a default start (SQLite, in-process limits, no metrics) loads: nothing that only an optional set-up
// or a later call uses. Each of these cost start-up time and memory for good when it was loaded anyway
// (bench/RESULTS.md): Node's bundled undici (pulled in by an ES `import` of node:http), ioredis, prom-client,
// pg, the rate providers' undici, and TypeBox's compiler and value modules (~300 modules; checks run on ajv).
// Nor does it compile a request or response schema: each is compiled on its first use (~80 ms of a restart).
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = new URL('../../', import.meta.url).pathname

// Builds the app as the server does, then lists the built-ins and packages the process has loaded.
const SCRIPT = `
import { createRequire, registerHooks } from 'node:module'
const typebox = new Set()
registerHooks({
  load(url, context, next) {
    const part = /node_modules\\/typebox\\/build\\/(\\w+)\\//.exec(url)?.[1]
    if (part) typebox.add(part)
    return next(url, context)
  },
})
const Ajv = createRequire(import.meta.url)('ajv').default
const compile = Ajv.prototype.compile
let compiles = 0
Ajv.prototype.compile = function (...args) {
  compiles++
  return compile.apply(this, args)
}
const { loadSettings } = await import('./src/config.ts')
const settings = loadSettings()
const atStart = compiles
const { buildApp } = await import('./src/app.ts')
const app = await buildApp(settings, { logger: false })
await app.ready()
const beforeRequests = compiles - atStart
await app.inject({ method: 'POST', url: '/users', payload: { username: 'x' } })
const afterRequests = compiles - atStart
const packages = new Set()
for (const path of Object.keys(createRequire(import.meta.url).cache)) {
  const name = /node_modules\\/((@[^/]+\\/)?[^/]+)\\//.exec(path)?.[1]
  if (name) packages.add(name)
}
const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule '))
console.log(JSON.stringify({ builtins, packages: [...packages], typebox: [...typebox], beforeRequests, afterRequests }))
await app.close()
`

let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trestle-loads-'))
})
afterAll(() => rm(dataDir, { recursive: true, force: true }))

describe('a default start', () => {
  it('loads neither the optional back ends nor the clients of later calls', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', METRICS_TOKEN: '' },
    })
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      builtins: string[]
      packages: string[]
      typebox: string[]
      beforeRequests: number
      afterRequests: number
    }
    const { builtins, packages, typebox } = result
    // The lists are read as meant: what the app does load is there.
    expect(packages).toEqual(expect.arrayContaining(['fastify', 'mercurius']))
    expect(builtins).toContain('NativeModule http')
    expect(typebox).toContain('type')
    expect(builtins.filter((m) => m.includes('undici'))).toEqual([])
    expect(packages.filter((p) => ['ioredis', 'prom-client', 'pg', 'undici'].includes(p))).toEqual([])
    // TypeBox builds the schemas; nothing of it checks values.
    expect(typebox.filter((part) => ['compile', 'value', 'schema', 'format'].includes(part))).toEqual([])
    // No schema but the settings' is compiled before a request needs it; the count does see a request's.
    expect(result.beforeRequests).toBe(0)
    expect(result.afterRequests).toBeGreaterThan(0)
  })
})
