// The tick object src/tick-shape.ts keeps is one of Node's own, so the shape V8 recorded for
// `process.nextTick`'s literal survives a memory-reducing collection (the one src/memory-release.ts and V8's
// memory reducer run): ticks made after it still have that shape, and the module hands back the same object
// each time (it holds it). Compared by V8 itself (%HaveSameMap), in a process of its own, since the
// collection and the natives flag would reach every test of this worker.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const ROOT = new URL('../../', import.meta.url).pathname

const SCRIPT = `
import { executionAsyncResource } from 'node:async_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { keepTickShape } from './src/tick-shape.ts'
const kept = await keepTickShape()
const again = await keepTickShape()
const tick = () => new Promise((resolve) => process.nextTick(() => resolve(executionAsyncResource())))
await tick()
setFlagsFromString('--expose-gc')
runInNewContext('gc')({ type: 'major', execution: 'sync', flavor: 'last-resort' })
const after = await tick()
const plain = { callback: null, args: undefined }
console.log(JSON.stringify({
  keys: Reflect.ownKeys(kept).map(String),
  once: kept === again,
  sameAfterCollection: %HaveSameMap(kept, after),
  sameAsPlain: %HaveSameMap(kept, plain),
}))
`

describe('the kept tick object', () => {
  it("keeps the shape of Node's tick objects through a low-memory collection", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--allow-natives-syntax', '--input-type=module', '-e', SCRIPT],
      { cwd: ROOT },
    )
    const result = JSON.parse(stdout)
    expect(result.keys).toContain('Symbol(async_id_symbol)')
    expect(result.once).toBe(true)
    expect(result.sameAsPlain).toBe(false)
    expect(result.sameAfterCollection).toBe(true)
  })
})
