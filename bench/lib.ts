// The benchmark harness: the server pinned to core 0, the load generator (autocannon) to core 1, each
// variant started fresh in the same run, so that ratios between variants are fair.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { freePort } from '../test/support/free-port.ts'
import { entry, NODE_FLAGS } from './node-flags.ts'

const run = promisify(execFile)
const ROOT = new URL('..', import.meta.url).pathname

export interface Server {
  url: string
  /** The server's process id (taskset runs node in its own place). */
  pid: number
  /** Settles when the process exits, with its exit code or the signal that ended it. */
  exited: Promise<number | string>
  /** CPU time (user + system) the server process has used, in milliseconds. */
  cpuMs(): Promise<number>
  /** Its DATA_DIR (the SQLite database, unless DATABASE_URL says otherwise), removed by stop(). */
  dataDir: string
  stop(): Promise<void>
}

const TICKS_PER_SECOND = 100

/** CPU time (user + system) process `pid` has used, in milliseconds. */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
}

export interface StartOptions {
  /** Receives each line the server writes to standard output (its log); without it the log is dropped. */
  onLog?: (line: string) => void
}

/** Starts the server as `npm start` does (`node dist/main.js`) on core 0 with the given settings and waits
 * until it is ready. */
export async function startServer(env: Record<string, string>, options: StartOptions = {}): Promise<Server> {
  const port = await freePort()
  const dataDir = await mkdtemp(join(tmpdir(), 'trestle-bench-'))
  const child: ChildProcess = spawn('taskset', ['-c', '0', process.execPath, ...NODE_FLAGS, entry()], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', options.onLog ? 'pipe' : 'ignore', 'inherit'],
  })
  const { onLog } = options
  if (onLog && child.stdout) createInterface({ input: child.stdout }).on('line', onLog)
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  )
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      await exited
      clearTimeout(timer)
    }
    await rm(dataDir, { recursive: true, force: true })
  }
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break
    } catch {}
    if (i > 200 || child.exitCode !== null) {
      await stop()
      throw new Error('server did not start')
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { url, pid: child.pid ?? 0, exited, cpuMs: () => cpuMsOf(child.pid ?? 0), dataDir, stop }
}

/** Signs a user up and in; returns an access token. */
export async function token(url: string): Promise<string> {
  const user = {
    username: `bench${Date.now()}`,
    email: `bench${Date.now()}@example.com`,
    password: 'benchmark password',
  }
  await fetch(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  })
  const res = await fetch(`${url}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username: user.username, password: user.password }),
  })
  return ((await res.json()) as { access_token: string }).access_token
}

export interface Result {
  requests: number
  requestsPerSecond: number
  latencyMedianMs: number
  latencyP99Ms: number
  non2xx: number
}

/** autocannon on core 1: `connections` keep-alive connections for `seconds`. */
export async function load(
  url: string,
  options: {
    seconds: number
    connections: number
    headers?: Record<string, string>
    method?: string
    body?: string
  },
): Promise<Result> {
  const args = ['-c', '1', join(ROOT, 'node_modules/.bin/autocannon'), '-j', '-d', String(options.seconds)]
  args.push('-c', String(options.connections))
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push('-H', `${k}=${v}`)
  if (options.method) args.push('-m', options.method)
  if (options.body) args.push('-b', options.body)
  args.push(url)
  const { stdout } = await run('taskset', args, { maxBuffer: 16 * 1024 * 1024 })
  const report = JSON.parse(stdout)
  return {
    requests: report.requests.total,
    requestsPerSecond: report.requests.average,
    latencyMedianMs: report.latency.p50,
    latencyP99Ms: report.latency.p99,
    non2xx: report.non2xx,
  }
}
