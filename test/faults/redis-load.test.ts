// Redis hung (SIGSTOP), then stopped, under a running load of anonymous reads from eight addresses and
// signed-in writes: no answer is a 5xx, an address that goes past its per-instance share of the limit is
// refused (the fallback limiter holds while Redis cannot count), and events flow again once Redis is back.
import { setImmediate } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../src/domain/events.ts'
import { createTestApp, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import { type Answer, writers } from '../support/load.ts'
import { type RedisServer, startRedisServer } from '../support/redis-server.ts'

// 20 per window across two instances: 10 for this one alone while Redis is away.
const LIMIT = 20
let redis: RedisServer
let t: TestApp
let alice: SignedUp

beforeAll(async () => {
  redis = await startRedisServer()
  t = await createTestApp({
    REDIS_URL: redis.url,
    REDIS_TIMEOUT: '300',
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_ANONYMOUS: String(LIMIT),
    RATE_LIMIT_INSTANCES: '2',
    // The load runs in the app's own process and keeps its event loop busy: shedding would answer it.
    SHED_EVENT_LOOP_DELAY: '0',
  })
  alice = await signUpAndIn(t)
})
afterAll(async () => {
  await t.close()
  await redis.stop()
})

async function send(method: 'GET' | 'POST', url: string, ip: string, payload?: object): Promise<Answer> {
  // The load shares the app's process: each call lets timers and sockets (Redis's too) run first.
  await setImmediate()
  const started = performance.now()
  const res = await t.app.inject({
    method,
    url,
    remoteAddress: ip,
    ...(payload && { payload, headers: alice.auth }),
  })
  const at = performance.now()
  return { status: res.statusCode, headers: new Headers(), text: res.body, ms: at - started, at }
}

/** 15 reads from a fresh address: how many were let through. */
async function burst(ip: string): Promise<number[]> {
  const codes: number[] = []
  for (let i = 0; i < 15; i++) codes.push((await send('GET', '/items', ip)).status)
  return codes
}

describe('Redis failing under a running load', () => {
  it('answers without a 5xx, holds each address to its share, and delivers events once Redis is back', async () => {
    // Each read from an address of its own, so that only the bursts below meet the anonymous limit.
    const load = writers(
      8,
      (w, i) =>
        w === 0
          ? send('POST', '/items/', '192.0.2.1', { name: `load ${i}`, price: 1 })
          : send('GET', '/items?limit=5', `10.${w}.${(i >> 8) & 255}.${i & 255}`),
      20_000,
    )
    const seen: DomainEvent[] = []
    const unsubscribe = t.container.bus.subscribe((event) => seen.push(event))
    try {
      await load.progress(40)
      redis.pause()
      try {
        await load.progress(40)
        const hung = await burst('203.0.113.1')
        expect(hung.filter((code) => code === 200)).toHaveLength(LIMIT / 2)
        expect(hung.filter((code) => code !== 200).every((code) => code === 429)).toBe(true)
      } finally {
        redis.resume()
      }
      await redis.stop()
      try {
        await load.progress(40)
        expect(await burst('203.0.113.2')).toEqual([...Array(10).fill(200), ...Array(5).fill(429)])
      } finally {
        await redis.start()
      }
      // Bounded: the bus and limiter rest a second after a failure, then use Redis again.
      seen.length = 0
      for (let i = 0; i < 100 && !seen.some((e) => e.type === 'item.created'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(seen.some((e) => e.type === 'item.created')).toBe(true)
    } finally {
      unsubscribe()
      await load.stop()
    }
    expect(load.answers.filter((res) => res.status >= 500).map((res) => res.text)).toEqual([])
    expect(load.created.length).toBeGreaterThan(0)
  })
})
