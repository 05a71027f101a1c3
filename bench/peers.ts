// The servers Trestle is compared with, started on core 0 like Trestle itself: the baselines in
// bench/baselines.ts and, when it and its Debian packages are present, the original FastAPI system.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from '../test/support/free-port.ts'
import { NODE_FLAGS } from './node-flags.ts'

const ROOT = new URL('..', import.meta.url).pathname
const FASTAPI = join(ROOT, '../shared/peers/fastapi-seed')
const PYTHON = '/usr/bin/python3'

export interface Peer {
  url: string
  /** Its process group (the process and any it starts): `npm run bench` pauses it while others are measured. */
  group: number
  stop(): Promise<void>
}

async function ready(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: server exited with ${child.exitCode}`)
    try {
      await fetch(url)
      return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${url}: server did not start within 10 s`)
}

async function startPinned(command: string[], env: Record<string, string>, path: string): Promise<Peer> {
  const port = await freePort()
  const [program, ...args] = command
  const child = spawn(program ?? 'false', args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
    // A group of its own: uvicorn runs under bash, and a pause must reach both. `npm run bench`, the only
    // user, stops them on SIGINT, which no longer reaches them from the terminal.
    detached: true,
  })
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  try {
    await ready(`${url}${path}`, child)
  } catch (error) {
    await stop()
    throw error
  }
  return { url, group: child.pid ?? 0, stop }
}

/** `raw` (node:http), `fastify` (hello with a response schema, POST /items with body validation; its hello
 * first spends `workUs` µs on the CPU when given), `request-id` (the hello with Trestle's request id and
 * loggers) or `floor` (and its security headers): bench/baselines.ts. */
export function startBaseline(
  kind: 'raw' | 'fastify' | 'request-id' | 'floor',
  workUs?: number,
): Promise<Peer> {
  const work = workUs === undefined ? [] : [String(workUs)]
  return startPinned(
    ['taskset', '-c', '0', process.execPath, ...NODE_FLAGS, 'bench/baselines.ts', kind, ...work],
    {},
    '/',
  )
}

/** Why the FastAPI system cannot run here, or undefined when it can. */
export async function fastapiMissing(): Promise<string | undefined> {
  if (!existsSync(join(FASTAPI, 'run.sh'))) return `${FASTAPI} is not there`
  try {
    await promisify(execFile)(PYTHON, [
      '-c',
      'import fastapi, uvicorn, uvloop, httptools, redis, jwt, multipart',
    ])
  } catch {
    return `its Debian packages are not installed (see ${FASTAPI}/README.md)`
  }
  return undefined
}

/** One uvicorn worker with uvloop on core 0, its limiter on the given Redis and never tripping. */
export function startFastapi(redisUrl: string): Promise<Peer> {
  return startPinned(
    ['bash', join(FASTAPI, 'run.sh')],
    {
      CPUS: '0',
      REDIS_URL: redisUrl,
      RATE_LIMIT: '1000000000',
      RUN_DIR: join(tmpdir(), 'trestle-bench-fastapi'),
    },
    '/health',
  )
}

/** The FastAPI system's demo user's access token. */
export async function fastapiToken(url: string): Promise<string> {
  const res = await fetch(`${url}/token`, {
    method: 'POST',
    body: new URLSearchParams({ username: 'johndoe', password: 'secret' }),
  })
  return ((await res.json()) as { access_token: string }).access_token
}
