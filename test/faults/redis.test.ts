// Redis hung (SIGSTOP) under writes, on a redis-server of this file's own: the event bus rests after a failed
// publish as the limiter does, so writes do not each wait out the command timeout; readiness notices a hung
// Redis with a bounded PING; when Redis thaws, events flow again by themselves. Redis stopped under /ws
// clients: a room join is answered 'unavailable', and the outage is logged once, not per connection.
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../src/domain/events.ts'
import { createTestApp, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import { type RedisServer, startRedisServer } from '../support/redis-server.ts'
import { type Frame, injectWs, isType } from '../support/ws.ts'

const REDIS_TIMEOUT = 400
let redis: RedisServer
let t: TestApp
let alice: SignedUp

beforeAll(async () => {
  redis = await startRedisServer()
  t = await createTestApp({ REDIS_URL: redis.url, REDIS_TIMEOUT: String(REDIS_TIMEOUT) })
  alice = await signUpAndIn(t)
})
afterAll(async () => {
  await t.close()
  await redis.stop()
})

async function write(name: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/items/',
    headers: alice.auth,
    payload: { name, price: 1 },
  })
  expect(res.statusCode).toBe(201)
}

describe('a hung Redis', () => {
  it('costs writes at most one command timeout per second, not one each', async () => {
    redis.pause()
    try {
      const started = performance.now()
      for (let i = 0; i < 10; i++) await write(`hung ${i}`)
      // Ten writes, each waiting out the timeout, would take 4 s.
      expect(performance.now() - started).toBeLessThan(4 * REDIS_TIMEOUT)
    } finally {
      redis.resume()
    }
  })

  it('shows in readiness within the command timeout', async () => {
    redis.pause()
    try {
      const started = performance.now()
      const res = await t.app.inject({ url: '/health/ready' })
      expect(performance.now() - started).toBeLessThan(REDIS_TIMEOUT + 500)
      expect(res.json()).toEqual({ status: 'degraded', checks: { database: 'ok', redis: 'down' } })
    } finally {
      redis.resume()
    }
  })

  it('delivers events again once it thaws', async () => {
    const seen: DomainEvent[] = []
    const unsubscribe = t.container.bus.subscribe((event) => seen.push(event))
    try {
      // Bounded: the bus rests a second after the last failure, then publishes again.
      for (let i = 0; i < 60 && !seen.some((e) => e.type === 'item.created'); i++) {
        await write(`after ${i}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(seen.some((e) => e.type === 'item.created')).toBe(true)
      expect((await t.app.inject({ url: '/health/ready' })).json().checks.redis).toBe('ok')
    } finally {
      unsubscribe()
    }
  })

  it('answers a /ws room join it cannot record as unavailable, with when to retry, and keeps the connection', async () => {
    const c = await injectWs(t.app, alice.auth)
    await redis.stop()
    try {
      c.send({ type: 'subscribe', topic: 'room:lobby', id: 'join' })
      expect(await c.next(isType('error'))).toEqual({
        type: 'error',
        id: 'join',
        code: 'unavailable',
        message: 'The service cannot answer now. Try again shortly.',
        retry_after: expect.any(Number),
      })
      c.send({ type: 'ping', id: 'alive' })
      expect(await c.next(isType('pong'))).toEqual({ type: 'pong', id: 'alive' })
    } finally {
      await redis.start()
    }
    c.ws.terminate()
  })

  it('keeps /ws clients connected through a Redis restart, and delivers to them again after', async () => {
    const c = await injectWs(t.app)
    c.send({ type: 'subscribe', topic: 'items' })
    await c.next(isType('ack'))
    await redis.stop()
    try {
      await write('while down')
      c.send({ type: 'ping', id: 'alive' })
      expect(await c.next(isType('pong'))).toEqual({ type: 'pong', id: 'alive' })
    } finally {
      await redis.start()
    }
    // Bounded: the connection comes back on its own schedule, and the bus rests a second after a failure.
    const created = (f: Frame | string) =>
      isType('event')(f) &&
      (f as { event: { item?: { name: string } } }).event.item?.name?.startsWith('back') === true
    let heard = false
    for (let i = 0; i < 60 && !heard; i++) {
      await write(`back ${i}`)
      heard = await c.next(created, 100).then(
        () => true,
        () => false,
      )
    }
    expect(heard).toBe(true)
    c.ws.terminate()
  })
})

describe('Redis gone while /ws clients are in rooms', () => {
  it('logs the outage once: a closing connection that cannot leave its rooms is a warning, not an error', async () => {
    const lines: { level: number; msg: string }[] = []
    const stream = { write: (line: string) => void lines.push(JSON.parse(line)) }
    const logged = await createTestApp(
      { REDIS_URL: redis.url, REDIS_TIMEOUT: String(REDIS_TIMEOUT) },
      { log: pino({ level: 'info' }, stream) },
      { level: 'info', stream },
    )
    try {
      const bob = await signUpAndIn(logged)
      const clients = [await injectWs(logged.app, bob.auth), await injectWs(logged.app, bob.auth)]
      for (const c of clients) {
        c.send({ type: 'subscribe', topic: 'room:lobby', id: 'in' })
        await c.next(isType('ack'))
      }
      await redis.stop()
      try {
        for (const c of clients) c.ws.terminate()
        const leaving = () => lines.filter((l) => l.msg === 'websocket: leaving rooms failed')
        // Bounded: each close is handled within a few turns of the loop once Redis refuses at once.
        for (let i = 0; i < 100 && leaving().length < clients.length; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        expect(leaving().map((l) => l.level)).toEqual([40, 40])
        expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([
          'redis: connection lost; reconnecting',
        ])
      } finally {
        await redis.start()
      }
    } finally {
      await logged.close()
    }
  })
})
