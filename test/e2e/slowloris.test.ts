// Slow clients on a real listening server: connections that trickle their headers (slowloris) neither
// starve other clients nor stay open past HEADERS_TIMEOUT, and connections past MAX_CONNECTIONS are refused.
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../support/app.ts'

let t: TestApp | undefined
const sockets: Socket[] = []
const timers: NodeJS.Timeout[] = []
afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer)
  for (const socket of sockets.splice(0)) socket.destroy()
  await t?.close()
})

async function listening(env: Record<string, string>): Promise<number> {
  t = await createTestApp(env)
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  return (t.app.server.address() as { port: number }).port
}

interface Slow {
  socket: Socket
  received: string
  closed: boolean
}

// A client that sends a request line, then one header line every 100 ms, never the blank line that ends them.
function slowClient(port: number): Slow {
  const socket = connect(port, '127.0.0.1')
  sockets.push(socket)
  const slow: Slow = { socket, received: '', closed: false }
  socket.on('data', (chunk) => {
    slow.received += chunk.toString()
  })
  socket.on('error', () => {})
  socket.on('close', () => {
    slow.closed = true
  })
  socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  let n = 0
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(`X-Slow-${n++}: ${'a'.repeat(10)}\r\n`)
  }, 100)
  timers.push(timer)
  return slow
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return check()
}

const openConnections = () =>
  new Promise<number>((resolve) => t?.app.server.getConnections((_error, count) => resolve(count)))

async function connected(slow: Slow[]): Promise<void> {
  await Promise.all(
    slow.map(
      ({ socket }) =>
        new Promise<void>((resolve) =>
          socket.connecting ? socket.once('connect', () => resolve()) : resolve(),
        ),
    ),
  )
}

describe('slow clients', () => {
  it('trickling headers neither starves other clients nor outlives HEADERS_TIMEOUT', async () => {
    const port = await listening({ HEADERS_TIMEOUT: '1500', MAX_CONNECTIONS: '500' })
    const slow = Array.from({ length: 100 }, () => slowClient(port))
    await connected(slow)

    // An ordinary client is served while every slow one is still open and trickling.
    const res = await fetch(`http://127.0.0.1:${port}/health/live`)
    expect(res.status).toBe(200)
    expect(slow.filter((s) => s.closed)).toHaveLength(0)

    // Each slow one is answered 408 and closed, although it kept sending: the bound is on the whole header.
    expect(await until(() => slow.every((s) => s.closed), 5000)).toBe(true)
    for (const s of slow) expect(s.received).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('refuses connections past MAX_CONNECTIONS, and serves again once slow ones time out', async () => {
    const port = await listening({ HEADERS_TIMEOUT: '1000', MAX_CONNECTIONS: '20' })
    const slow = Array.from({ length: 20 }, () => slowClient(port))
    await connected(slow)
    // The server counts a connection once it accepts it: wait until all 20 are counted.
    expect(await until(async () => (await openConnections()) >= 20, 2000)).toBe(true)

    const refused = slowClient(port)
    expect(await until(() => refused.closed, 2000)).toBe(true)
    expect(refused.received).toBe('')

    expect(await until(() => slow.every((s) => s.closed), 5000)).toBe(true)
    const res = await fetch(`http://127.0.0.1:${port}/health/live`)
    expect(res.status).toBe(200)
  })
})
