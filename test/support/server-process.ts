// Starts the real server (`node src/server.ts`, or another entry) as a child process on a free loopback port,
// for end-to-end tests that talk to it over HTTP; stop() sends SIGTERM and resolves with the exit code.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './free-port.ts'

export interface ServerProcess {
  /** Origin of the running server, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string
  child: ChildProcess
  /** Sends SIGTERM (SIGKILL after `killAfterMs`) and resolves with the exit code (null if killed by signal). */
  stop(killAfterMs?: number): Promise<number | null>
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string
}

export interface StartOptions {
  /** Undefined: DATA_DIR left unset, so the server takes its default under `cwd`. */
  dataDir: string | undefined
  /** The file run: src/server.ts unless said (`npm start` runs dist/main.js, which adds the module cache). */
  entry?: string
  /** The server's working directory: the repository unless said. */
  cwd?: string
  /** Undefined or empty: SQLite in dataDir. */
  databaseUrl?: string | undefined
  /** Extra environment variables. */
  env?: Record<string, string>
  /** How many times to poll /health/ready, and how long to wait between polls. */
  readyTries?: number
  readyIntervalMs?: number
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: options.dataDir,
    DATABASE_URL: options.databaseUrl ?? '',
    LOG_LEVEL: 'warn',
    // A real client's session would spend the anonymous quota; the rate-limit suites turn limits on.
    RATE_LIMIT_ENABLED: 'false',
    ...options.env,
  }
  if (options.dataDir === undefined) delete env.DATA_DIR
  const child = spawn(process.execPath, [options.entry ?? join(ROOT, 'src/server.ts')], {
    cwd: options.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk
  })
  const exited = once(child, 'exit').then(([code]) => code as number | null)

  const stop = async (killAfterMs = 10_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    try {
      return await exited
    } finally {
      clearTimeout(timer)
    }
  }

  const tries = options.readyTries ?? 100
  const interval = options.readyIntervalMs ?? 100
  for (let i = 0; i < tries; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${text}`)
    }
    try {
      const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) })
      await res.body?.cancel()
      if (res.status === 200) return { url, child, stop, output: () => text }
    } catch {
      // not listening yet
    }
    await sleep(interval)
  }
  await stop()
  throw new Error(`server was not ready after ${tries} tries:\n${text}`)
}

export { freePort }
