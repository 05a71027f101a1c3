// Load from Debian's `wrk` pinned to core 1: one thread, keep-alive connections, latency percentiles.
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface Request {
  url: string
  method?: string
  headers?: Record<string, string>
  body?: string
}

export interface Measured {
  requestsPerSecond: number
  latencyMedianMs: number
  latencyP99Ms: number
  /** Non-2xx/3xx answers plus socket errors: anything but zero makes the row suspect. */
  failures: number
}

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 }

function millis(text: string | undefined): number {
  const match = /([\d.]+)(us|ms|s|m)/.exec(text ?? '')
  return match ? Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1) : Number.NaN
}

// wrk's text report: "Requests/sec: 1234.5", "50%  1.20ms", "99%  3.40ms", error counts.
export function parseWrk(output: string): Measured {
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN)
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0
  return {
    requestsPerSecond: rate,
    latencyMedianMs: millis(/\s50%\s+(\S+)/.exec(output)?.[1]),
    latencyP99Ms: millis(/\s99%\s+(\S+)/.exec(output)?.[1]),
    failures: non2xx + socketErrors,
  }
}

/** `wrk -t1 -c<connections>` on core 1 for `seconds`; a Lua script in `scratch` carries method and body. */
export async function wrk(
  request: Request,
  options: { seconds: number; connections: number; scratch: string },
): Promise<Measured> {
  const args = ['-c', '1', 'wrk', '-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency']
  for (const [name, value] of Object.entries(request.headers ?? {})) args.push('-H', `${name}: ${value}`)
  if (request.method || request.body) {
    const script = join(options.scratch, `request-${Math.random().toString(36).slice(2)}.lua`)
    // A JSON string literal is a valid Lua string literal for the ASCII bodies used here.
    const lines = [`wrk.method = ${JSON.stringify(request.method ?? 'GET')}`]
    if (request.body) lines.push(`wrk.body = ${JSON.stringify(request.body)}`)
    await writeFile(script, `${lines.join('\n')}\n`)
    args.push('-s', script)
  }
  args.push(request.url)
  const { stdout } = await run('taskset', args, { timeout: (options.seconds + 30) * 1000 })
  return parseWrk(stdout)
}
