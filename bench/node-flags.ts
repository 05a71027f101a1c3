// The Node flags and entry `npm start` runs the server with (package.json), so that every benchmark runs
// Trestle as it is run, and the baselines with the same flags, so that a ratio measures the code, not the flags.
import pkg from '../package.json' with { type: 'json' }

const start = /\bnode ((?:--[\w-]+(?:=\S+)? )*)(src\/\S+)$/.exec(pkg.scripts.start)
if (!start) throw new Error(`bench/node-flags.ts: cannot read the flags of "${pkg.scripts.start}"`)

export const NODE_FLAGS: readonly string[] = (start[1] ?? '').split(' ').filter(Boolean)
/** The file `npm start` runs: src/main.js, which turns the module cache on before the server loads. */
export const ENTRY: string = start[2] ?? 'src/main.js'
