// A throwaway redis-server on a free loopback port: no persistence, stopped and restarted at will.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createConnection } from 'node:net'
import { freePort } from './free-port.ts'

export interface RedisServer {
  url: string
  port: number
  /** Starts (again) on the same port. */
  start(): Promise<void>
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>
  /** Freezes the process (SIGSTOP): connections stay open, nothing answers, as in a hung server. */
  pause(): void
  resume(): void
}

// Resolves once the port accepts connections (bounded: 100 tries, 50 ms apart).
async function listening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${log()}`)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' })
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`redis-server did not listen on ${port}: ${log()}`)
}

export interface RedisServerOptions {
  /** CPUs to pin it to (taskset's list), as a benchmark places each process. */
  cpus?: string
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort()
  let child: ChildProcess | undefined
  let output = ''
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      output = ''
      const command = options.cpus ? ['taskset', '-c', options.cpus, 'redis-server'] : ['redis-server']
      const proc = spawn(
        command[0] ?? 'redis-server',
        [
          ...command.slice(1),
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--loglevel',
          'warning',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      child = proc
      proc.stdout?.on('data', (chunk) => {
        output += chunk
      })
      proc.stderr?.on('data', (chunk) => {
        output += chunk
      })
      const failed = once(proc, 'error').then(([error]) => {
        throw new Error(`redis-server could not start (apt-get install redis-server): ${String(error)}`)
      })
      await Promise.race([listening(port, proc, () => output), failed])
    },
    pause() {
      child?.kill('SIGSTOP')
    },
    resume() {
      child?.kill('SIGCONT')
    },
    async stop() {
      const proc = child
      child = undefined
      if (!proc || proc.exitCode !== null) return
      const exited = once(proc, 'exit')
      proc.kill('SIGCONT')
      proc.kill('SIGTERM')
      await exited
    },
  }
  await server.start()
  return server
}
