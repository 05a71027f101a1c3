// V8's compiled code for every module (and the TypeScript stripped to JavaScript) kept on disk, so that a
// restart skips parsing and compiling some 1,900 modules (npm run bench:startup -- 5: ready in 889 ms median
// on a restart, 1,166 ms on a first start). It lives in DATA_DIR, which only the owner may write: a cache in
// a shared temporary directory could be planted by another user. NODE_COMPILE_CACHE names another directory
// (Node then keeps it itself); NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { mkdirSync } from 'node:fs'
import { enableCompileCache, flushCompileCache } from 'node:module'
import { join } from 'node:path'

/** Before the application's modules load. */
export function enableModuleCache(dataDir: string): void {
  if (process.env.NODE_COMPILE_CACHE) return
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    enableCompileCache(join(dataDir, 'compile-cache'))
  } catch {
    // A DATA_DIR that cannot be written is reported, with its cause, when the database opens.
  }
}

// Writing some 10 MB takes a while: not before the first requests are answered.
const SAVE_AFTER_MS = 2000

/** Once the application is loaded: written soon rather than at exit, which a killed process never reaches. */
export function saveModuleCache(): void {
  setTimeout(flushCompileCache, SAVE_AFTER_MS).unref()
}
