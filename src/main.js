// The process's entry, in plain JavaScript so that it runs before any TypeScript does. `npm start` runs it
// from the bundle (dist/main.js, scripts/build.ts), where the server is one file; `node src/main.js` runs the
// sources. It turns Node's compile cache on in DATA_DIR first; a restart then takes the code from there,
// compiled (and, from the sources, its types already stripped, without loading Node's TypeScript stripper,
// a 3.8 MB script and a WebAssembly instance): bench/RESULTS.md. The server itself is src/server.ts, which
// also runs alone (`npm run dev`, the tests), without the cache.
//
// The cache is kept in DATA_DIR, which only its owner may write: one in a shared temporary directory could be
// planted by another user. NODE_COMPILE_CACHE names another directory (Node then keeps it itself);
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

const [major = 0] = process.versions.node.split('.').map(Number)
if (major < 24) {
  console.error(`Trestle needs Node.js 24 or later; this is ${process.version}. Run it with "npm start".`)
  process.exit(1)
}

// Writing the cache (from the sources, ~1,700 files) takes a while: not before the first requests.
const SAVE_AFTER_MS = 2000

const { enableCompileCache, flushCompileCache } = await import('node:module')

// DATA_DIR as the settings read it (src/config.ts: `.env` under the real environment, empty meaning the
// default of src/settings.ts, which test/e2e/module-cache.test.ts holds this to).
if (existsSync('.env')) process.loadEnvFile('.env')
const dataDir = process.env.DATA_DIR || './data'
if (!process.env.NODE_COMPILE_CACHE) {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    enableCompileCache(join(dataDir, 'compile-cache'))
  } catch {
    // A DATA_DIR that cannot be written is reported, with its cause, when the database opens.
  }
}

// Resolves once the server listens. Written then rather than at exit, which a killed process never reaches.
await import('./server.ts')
setTimeout(flushCompileCache, SAVE_AFTER_MS).unref()
