// process.nextTick before and after a memory-reducing collection, with and without the tick object that
// src/tick-shape.ts keeps alive. `npm run bench:tick-shape [-- rounds]`. Each round runs both in fresh
// processes (alternating, on core 0 when taskset is present): 2,000 bursts of 1,000 ticks, the collection
// `src/memory-release.ts` runs, 2,000 bursts again. Run it after a Node upgrade: when "not kept" no longer
// slows down, src/tick-shape.ts can go.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const rounds = Number(process.argv[2] ?? 3)
const ROOT = new URL('../', import.meta.url).pathname

const SCRIPT = `
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { keepTickShape } from './src/tick-shape.ts'
if (process.env.KEEP === '1') await keepTickShape()
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc')
const noop = () => {}
async function nsPerTick() {
  const start = process.hrtime.bigint()
  for (let burst = 0; burst < 2000; burst++) {
    for (let i = 0; i < 1000; i++) process.nextTick(noop)
    await new Promise((resolve) => setImmediate(resolve))
  }
  return Number(process.hrtime.bigint() - start) / 2e6
}
await nsPerTick()
const before = await nsPerTick()
await new Promise((resolve) => setTimeout(resolve, 50))
gc({ type: 'major', execution: 'sync', flavor: 'last-resort' })
await nsPerTick()
console.log(JSON.stringify({ before, after: await nsPerTick() }))
`

async function run(keep: boolean): Promise<{ before: number; after: number }> {
  const args = ['-c', '0', process.execPath, '--input-type=module', '-e', SCRIPT]
  const env = { ...process.env, KEEP: keep ? '1' : '0' }
  const { stdout } = await promisify(execFile)('taskset', args, { cwd: ROOT, env }).catch(() =>
    promisify(execFile)(process.execPath, args.slice(3), { cwd: ROOT, env }),
  )
  return JSON.parse(stdout)
}

const results: Record<string, { before: number[]; after: number[] }> = {
  'not kept': { before: [], after: [] },
  'kept (src/tick-shape.ts)': { before: [], after: [] },
}
for (let round = 0; round < rounds; round++) {
  for (const [name, keep] of [
    ['not kept', false],
    ['kept (src/tick-shape.ts)', true],
  ] as const) {
    const r = await run(keep)
    results[name]?.before.push(r.before)
    results[name]?.after.push(r.after)
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
console.log(`Node ${process.version}, ${rounds} rounds, median ns per process.nextTick\n`)
console.log('| tick object | before the collection | after it | after / before |')
console.log('|---|---|---|---|')
for (const [name, r] of Object.entries(results)) {
  const before = median(r.before)
  const after = median(r.after)
  console.log(`| ${name} | ${before.toFixed(0)} | ${after.toFixed(0)} | ${(after / before).toFixed(2)}× |`)
}
