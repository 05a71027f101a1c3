// `npm start` as a supervisor runs it: SIGTERM sent to the npm process must reach the server, which stops
// gracefully and stops listening, and npm exits with it. (npm runs a script through `sh -c`, which would
// otherwise die alone and leave the server running, orphaned; the start script `exec`s node.)
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SettingsSchema } from '../../src/settings.ts'
import { connectOutcome } from '../support/connections.ts'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'
import { freePort } from '../support/free-port.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const HOST = '127.0.0.1'

let database: TestDatabase
let port: number
let npm: ChildProcess
let output = ''
let serverPid: number | undefined

/** The environment without the runner's own server settings, plus the given ones. */
function env(settings: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(SettingsSchema.properties)) delete base[key]
  delete base.NODE_OPTIONS
  return { ...base, ...settings }
}

/** The first JSON log line that `match` accepts; rejects if npm exits first. */
function logLine(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const check = () => {
      for (const text of output.split('\n')) {
        if (!text.startsWith('{')) continue
        const line = JSON.parse(text) as Record<string, unknown>
        if (match(line)) {
          npm.stdout?.off('data', check)
          npm.off('exit', exited)
          resolve(line)
          return
        }
      }
    }
    const exited = () => reject(new Error(`npm exited before the expected log line:\n${output}`))
    npm.stdout?.on('data', check)
    npm.once('exit', exited)
    check()
  })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

beforeAll(async () => {
  database = await createTestDatabase()
  port = await freePort()
  npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: env({
      PORT: String(port),
      HOST,
      DATA_DIR: database.dataDir,
      DATABASE_URL: database.databaseUrl ?? '',
      LOG_LEVEL: 'info',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  npm.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  npm.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
})

afterAll(async () => {
  // Whatever happened above, leave no server behind.
  if (serverPid !== undefined && isAlive(serverPid)) process.kill(serverPid, 'SIGKILL')
  if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL')
  await database?.cleanup()
})

describe('npm start', () => {
  it('serves, and on SIGTERM to npm the server stops gracefully and npm exits 0', async () => {
    const listening = await logLine((line) => String(line.msg).startsWith('Server listening'))
    serverPid = Number(listening.pid)
    expect(serverPid).not.toBe(npm.pid)
    const ready = await fetch(`http://${HOST}:${port}/health/ready`)
    expect(ready.status).toBe(200)

    const exit = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)))
    npm.kill('SIGTERM')
    expect(await exit).toBe(0)

    expect(output).toContain('"msg":"stopped"')
    expect(isAlive(serverPid)).toBe(false)
    expect(await connectOutcome(port, HOST)).toBe('refused')
  })
})
