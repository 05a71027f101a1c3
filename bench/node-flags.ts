// The Node flags and entry `npm start` runs the server with (package.json), so that every benchmark runs
// Trestle as it is run, and the baselines with the same flags, so that a ratio measures the code, not the flags.
// `npm start` builds the bundle it runs first (its prestart script); so does importing this.
import { execFileSync } from 'node:child_process'
import pkg from '../package.json' with { type: 'json' }

const start = /\bnode ((?:--[\w-]+(?:=\S+)? )*)((?:src|dist)\/\S+)$/.exec(pkg.scripts.start)
if (!start) throw new Error(`bench/node-flags.ts: cannot read the flags of "${pkg.scripts.start}"`)

export const NODE_FLAGS: readonly string[] = (start[1] ?? '').split(' ').filter(Boolean)
/** The file `npm start` runs: dist/main.js, which turns the module cache on before the server loads. */
export const ENTRY: string = start[2] ?? 'dist/main.js'

if (ENTRY.startsWith('dist/')) {
  execFileSync(process.execPath, ['scripts/build.ts'], {
    cwd: new URL('..', import.meta.url),
    stdio: 'inherit',
  })
}
