// Redis stopped in the middle of a run: requests are still decided (per instance, by the fallback), none
// fails or hangs past REDIS_TIMEOUT, readiness says degraded; when Redis is back, counting returns to it.
import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../support/app.ts'
import { type RedisServer, startRedisServer } from '../support/redis-server.ts'

const REDIS_TIMEOUT = 200
let server: RedisServer
let t: TestApp

// What the adapters log, to check that an outage is logged once, not once per request.
const logged: string[] = []
const record = (_details: Record<string, unknown>, message: string) => {
  logged.push(message)
}
const log = { info: record, warn: record, error: record }

beforeAll(async () => {
  server = await startRedisServer()
  t = await createTestApp(
    {
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_ANONYMOUS: '10',
      RATE_LIMIT_INSTANCES: '2',
      REDIS_URL: server.url,
      REDIS_PREFIX: 'outage:',
      REDIS_TIMEOUT: String(REDIS_TIMEOUT),
    },
    { log },
  )
})
afterAll(async () => {
  await t.close()
  await server.stop()
})

async function timed(url: string, ip: string) {
  const started = performance.now()
  const res = await t.app.inject({ url, remoteAddress: ip })
  return { res, ms: performance.now() - started }
}

async function ready() {
  return (await t.app.inject({ url: '/health/ready' })).json()
}

// Polls readiness until Redis is reported as `state` (bounded: 100 polls, 50 ms apart).
async function until(state: 'ok' | 'down') {
  for (let i = 0; i < 100; i++) {
    if ((await ready()).checks.redis === state) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`redis never reported ${state}`)
}

describe('a Redis outage', () => {
  it('counts in Redis while it is up', async () => {
    const { res } = await timed('/items', '192.0.2.30')
    expect(res.headers.ratelimit).toMatch(/^"anonymous";r=9;/)
    expect(await ready()).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } })
  })

  it('while Redis hangs, answers within the timeout from the per-instance fallback', async () => {
    server.pause()
    try {
      for (let i = 0; i < 3; i++) {
        const { res, ms } = await timed('/items', '192.0.2.31')
        expect(res.statusCode).toBe(200)
        expect(ms).toBeLessThan(REDIS_TIMEOUT + 1000)
      }
    } finally {
      server.resume()
    }
    // Redis answers again: once the store's rest after the failure is over (bounded polling), requests
    // are counted there again.
    for (let i = 0; i < 60 && !logged.includes('rate limits: back on the shared store'); i++) {
      const { res } = await timed('/items', `198.51.100.${i + 1}`)
      expect(res.statusCode).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(logged).toEqual([
      'rate limits: shared store unavailable; each instance limits alone',
      'rate limits: back on the shared store',
    ])
  })

  it('while Redis is down, limits each instance to its share, with no 5xx', async () => {
    logged.length = 0
    await server.stop()
    await until('down')
    // Ten per window across two expected instances: five here.
    const codes: number[] = []
    for (let i = 0; i < 7; i++) {
      const { res, ms } = await timed('/items', '192.0.2.32')
      codes.push(res.statusCode)
      expect(ms).toBeLessThan(REDIS_TIMEOUT + 1000)
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429])
    expect(await ready()).toEqual({ status: 'degraded', checks: { database: 'ok', redis: 'down' } })
    const count = (text: string) => logged.filter((m) => m.includes(text)).length
    expect(count('shared store unavailable')).toBe(1)
    expect(count('redis: connection lost')).toBe(1)
  })

  it('once Redis is back, counts in it again without a restart', async () => {
    await server.start()
    await until('ok')
    const { res } = await timed('/items', '192.0.2.33')
    expect(res.statusCode).toBe(200)
    expect(res.headers.ratelimit).toMatch(/^"anonymous";r=9;/)
    const direct = new Redis(server.url)
    try {
      expect(await direct.exists('outage:limit:rate:anonymous:ip:192.0.2.33')).toBe(1)
    } finally {
      await direct.quit()
    }
    expect((await ready()).status).toBe('ok')
    expect(logged.filter((m) => m.includes('back on the shared store'))).toHaveLength(1)
    expect(logged.filter((m) => m.includes('connection restored'))).toHaveLength(1)
  })
})
