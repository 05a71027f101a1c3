// `npm run build [-- <dir>]` (and `npm start`, which runs it first): bundles the server and the packages it
// imports into dist/ (esbuild). Why: each of the ~1,700 modules an unbundled start loads keeps ~9 KB of V8
// heap (its record, scope and functions); one file keeps less. A released restart holds ~96 instead of
// ~109 MB and is ready in ~360 instead of ~600 ms (bench/RESULTS.md, "The server bundled"). The sources still
// run as they are under `npm run dev` and the tests; test/e2e/bundle.test.ts runs the bundle. What is
// imported on first use (ioredis, prom-client, undici) is in the one file too, run only when imported:
// chunks of their own would save ~2 MB more, but a rebuild beside a running instance could remove one.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { build, type Plugin } from 'esbuild'

const ROOT = new URL('..', import.meta.url).pathname
// A directory under the repository, so that the packages left out below resolve from node_modules.
const out = resolve(ROOT, process.argv[2] ?? 'dist')

// main.js turns the module cache on before it imports the server, so the server is a file of its own.
const serverApart: Plugin = {
  name: 'server-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/server\.ts$/ }, () => ({ path: './server.js', external: true }))
  },
}

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // Whitespace and syntax only: function names stay as written, in stack traces too. A source map maps
  // positions back to the files (node --enable-source-maps). Non-ASCII escaped (esbuild's default) keeps
  // the source a one-byte string in V8, half the memory of a two-byte one.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'external',
  logLevel: 'warning',
  write: false,
} as const

const results = await Promise.all([
  build({ ...common, entryPoints: ['src/main.js'], outfile: join(out, 'main.js'), plugins: [serverApart] }),
  build({
    ...common,
    entryPoints: ['src/server.ts'],
    outfile: join(out, 'server.js'),
    // A native addon; and the docs page, which reads its files from beside its own (`__dirname`).
    external: ['@node-rs/argon2', '@fastify/swagger-ui'],
    // The CommonJS packages in the bundle require Node's built-ins.
    banner: {
      js: [
        "import { createRequire as __trestleRequire } from 'node:module'",
        'const require = __trestleRequire(import.meta.url)',
      ].join(';'),
    },
  }),
  // The checkpoint worker runs from a file of its own, beside the code that starts it.
  build({ ...common, entryPoints: ['src/adapters/db/sqlite-checkpointer.js'], outdir: out }),
])

const files = results.flatMap((result) =>
  result.outputFiles.map((f) => ({ path: f.path, contents: f.contents })),
)
files.push({ path: join(out, 'package.json'), contents: Buffer.from('{ "type": "module" }\n') })
// GraphiQL's page and script, which src/transports/graphql/graphiql.ts reads from beside itself.
const graphiql = join(ROOT, 'src/transports/graphql/graphiql')
for (const name of await readdir(graphiql)) {
  files.push({ path: join(out, 'graphiql', name), contents: await readFile(join(graphiql, name)) })
}

// Where a file is written before it is renamed into place; a build killed in between leaves it there.
const aside = (path: string, pid: number) => join(dirname(path), `.${basename(path)}.${pid}`)
/** The files a killed build left aside: named as this build would name its own, by a process now gone. */
async function abandoned(): Promise<string[]> {
  const found: string[] = []
  for (const dir of new Set(files.map((file) => dirname(file.path)))) {
    const outputs = new Set(files.filter((file) => dirname(file.path) === dir).map((f) => basename(f.path)))
    for (const name of await readdir(dir).catch(() => [])) {
      const [, output, pid] = /^\.(.+)\.(\d+)$/.exec(name) ?? []
      if (output && outputs.has(output) && !running(Number(pid))) found.push(join(dir, name))
    }
  }
  return found
}
function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

// A file that is already as built is left alone, so a start from a directory it may not write (a read-only
// image built with `npm run build`) goes on when the bundle there is current. Any other file is replaced
// whole (written aside, then renamed over the old one), and none is removed: an instance already running
// from this directory, or starting beside this build, reads whole files only. Only what a killed build left
// aside is removed, when this one writes.
const current = (path: string, contents: Uint8Array) =>
  readFile(path).then(
    (old) => old.equals(contents),
    () => false,
  )
const stale = []
for (const file of files) if (!(await current(file.path, file.contents))) stale.push(file)
try {
  if (stale.length > 0) {
    await mkdir(join(out, 'graphiql'), { recursive: true })
    for (const path of await abandoned()) await rm(path, { force: true })
  }
  for (const file of stale) {
    await writeFile(aside(file.path, process.pid), file.contents)
    await rename(aside(file.path, process.pid), file.path)
  }
} catch (error) {
  const { code } = error as NodeJS.ErrnoException
  console.error(
    `Cannot build: ${out} (${code}) cannot be written, and what is there is not these sources' bundle.`,
  )
  process.exit(1)
}
