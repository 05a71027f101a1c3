// Several instances behind a load balancer behave as one: on one Redis they share one count.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../support/app.ts'

let a: TestApp
let b: TestApp

beforeAll(async () => {
  const shared = {
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_ANONYMOUS: '6',
    REDIS_PREFIX: `test:${randomUUID()}:`,
  }
  a = await createTestApp(shared)
  b = await createTestApp(shared)
})
afterAll(async () => {
  await a.close()
  await b.close()
})

describe('two instances on one Redis', () => {
  it('share one count per client', async () => {
    const codes: number[] = []
    for (let i = 0; i < 4; i++) {
      for (const t of [a, b])
        codes.push((await t.app.inject({ url: '/items', remoteAddress: '192.0.2.20' })).statusCode)
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 200, 429, 429])
  })

  it('share brute-force counters: failures on one instance lock sign-in on the other', async () => {
    const form = (password: string) => ({
      method: 'POST' as const,
      url: '/token',
      remoteAddress: '192.0.2.21',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'password', username: 'someone', password }).toString(),
    })
    for (let i = 0; i < 5; i++) expect((await a.app.inject(form('wrong'))).statusCode).toBe(400)
    expect((await b.app.inject(form('wrong'))).statusCode).toBe(429)
  })
})
