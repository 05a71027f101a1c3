// The Node flags `npm start` gives the server (package.json), so that every benchmark runs Trestle as it is
// run, and the baselines with the same flags, so that a ratio measures the code, not the flags.
import pkg from '../package.json' with { type: 'json' }

const start = /\bnode ((?:--[\w-]+(?:=\S+)? )*)src\/server\.ts/.exec(pkg.scripts.start)
if (!start) throw new Error(`bench/node-flags.ts: cannot read the flags of "${pkg.scripts.start}"`)

export const NODE_FLAGS: readonly string[] = (start[1] ?? '').split(' ').filter(Boolean)
