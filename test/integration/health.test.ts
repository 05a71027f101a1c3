// Liveness and readiness, as a load balancer sees them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../support/app.ts'

let t: TestApp

// The scaled-out project also reports Redis.
const redisCheck = () => (t.container.redis ? { redis: 'ok' } : {})

beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

describe('health', () => {
  it('GET /health/live answers 200', async () => {
    const res = await t.app.inject({ url: '/health/live' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
  })

  it('GET /health/ready checks the database', async () => {
    const res = await t.app.inject({ url: '/health/ready' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok', checks: { database: 'ok', ...redisCheck() } })
  })

  it('GET /health/ready answers 503 when the database is gone', async () => {
    const original = t.container.database.ping
    t.container.database.ping = async () => {
      throw new Error('connection refused')
    }
    try {
      const res = await t.app.inject({ url: '/health/ready' })
      expect(res.statusCode).toBe(503)
      expect(res.json()).toEqual({ status: 'down', checks: { database: 'down', ...redisCheck() } })
    } finally {
      t.container.database.ping = original
    }
  })
})
