// The Node flags and entry `npm start` runs the server with (package.json), so that every benchmark runs
// Trestle as it is run, and the baselines with the same flags, so that a ratio measures the code, not the flags.
import { execFileSync } from 'node:child_process'
import pkg from '../package.json' with { type: 'json' }

const start = /\bnode ((?:--[\w-]+(?:=\S+)? )*)((?:src|dist)\/\S+)$/.exec(pkg.scripts.start)
if (!start) throw new Error(`bench/node-flags.ts: cannot read the flags of "${pkg.scripts.start}"`)

export const NODE_FLAGS: readonly string[] = (start[1] ?? '').split(' ').filter(Boolean)
const ENTRY = start[2] ?? 'dist/main.js'
let built = false

/**
 * The file `npm start` runs, dist/main.js (which turns the module cache on before the server loads), built
 * first as `npm start` builds it (its prestart script), once per benchmark process.
 */
export function entry(): string {
  if (!built && ENTRY.startsWith('dist/')) {
    execFileSync(process.execPath, ['scripts/build.ts'], {
      cwd: new URL('..', import.meta.url),
      stdio: 'inherit',
    })
  }
  built = true
  return ENTRY
}
