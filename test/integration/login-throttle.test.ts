// Brute-force protection at POST /token: failed sign-ins lock for a growing delay, the same for every name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, passwordGrant, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'

// The limiter's clock is ours: time passes when a test says so, never by sleeping.
let now = Date.parse('2026-11-24T12:00:00Z')
let t: TestApp
let alice: SignedUp

beforeAll(async () => {
  t = await createTestApp(
    {
      LOGIN_MAX_FAILURES: '3',
      LOGIN_MAX_FAILURES_ACCOUNT: '6',
      LOGIN_MAX_FAILURES_IP: '50',
      LOGIN_LOCK_SECONDS: '10',
    },
    // The store is the project's own: in process on SQLite, Redis in the scaled-out project.
    { clock: () => now },
  )
  alice = await signUpAndIn(t)
})
afterAll(() => t.close())

function attempt(username: string, password: string, ip = '203.0.113.1') {
  return passwordGrant(t, { username, password }, ip)
}

async function fail(username: string, times: number, ip = '203.0.113.1') {
  for (let i = 0; i < times; i++) expect((await attempt(username, 'wrong password', ip)).statusCode).toBe(400)
}

describe('failed sign-ins', () => {
  it('lock the account for this IP past the threshold, with Retry-After', async () => {
    const user = await signUpAndIn(t)
    await fail(user.username, 3, '203.0.113.10')
    const locked = await attempt(user.username, user.password, '203.0.113.10')
    expect(locked.statusCode).toBe(429)
    expect(locked.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(locked.headers['retry-after']).toBe('10')
    expect(locked.json()).toMatchObject({ status: 429, type: 'https://trestle.dev/problems#quota-exceeded' })
    expect(locked.json().detail).toContain('Try again in 10 seconds')
  })

  it('answer a locked unknown account exactly like a locked real one', async () => {
    const user = await signUpAndIn(t)
    await fail(user.username, 3, '203.0.113.11')
    await fail('nobody-at-all', 3, '203.0.113.11')
    const real = await attempt(user.username, 'x', '203.0.113.11')
    const unknown = await attempt('nobody-at-all', 'x', '203.0.113.11')
    expect(real.statusCode).toBe(429)
    expect(unknown.statusCode).toBe(429)
    const strip = (body: Record<string, unknown>) => ({ ...body, request_id: undefined })
    expect(strip(unknown.json())).toEqual(strip(real.json()))
    expect(unknown.headers['retry-after']).toBe(real.headers['retry-after'])
  })

  it('double the lock with each further failure', async () => {
    const user = await signUpAndIn(t)
    const ip = '203.0.113.12'
    await fail(user.username, 3, ip)
    expect((await attempt(user.username, 'x', ip)).headers['retry-after']).toBe('10')
    now += 10_000
    await fail(user.username, 1, ip)
    expect((await attempt(user.username, 'x', ip)).headers['retry-after']).toBe('20')
    now += 20_000
    await fail(user.username, 1, ip)
    expect((await attempt(user.username, 'x', ip)).headers['retry-after']).toBe('40')
  })

  it('do not lock out the right password from another IP, and it clears the failures', async () => {
    const user = await signUpAndIn(t)
    await fail(user.username, 3, '203.0.113.13')
    expect((await attempt(user.username, user.password, '198.51.100.7')).statusCode).toBe(200)
  })

  it('spread over many IPs lock the account for everyone, but only for the delay', async () => {
    const user = await signUpAndIn(t)
    for (let i = 0; i < 6; i++) await fail(user.username, 1, `203.0.113.${100 + i}`)
    expect((await attempt(user.username, user.password, '198.51.100.8')).statusCode).toBe(429)
    now += 10_000
    expect((await attempt(user.username, user.password, '198.51.100.8')).statusCode).toBe(200)
  })

  it('do not count while locked, so a stranger cannot extend the lock by hammering', async () => {
    const user = await signUpAndIn(t)
    const ip = '203.0.113.14'
    await fail(user.username, 3, ip)
    for (let i = 0; i < 20; i++) expect((await attempt(user.username, 'x', ip)).statusCode).toBe(429)
    now += 10_000
    expect((await attempt(user.username, user.password, ip)).statusCode).toBe(200)
  })

  it('leave other accounts alone', async () => {
    await fail('someone-else', 3, '203.0.113.15')
    expect((await attempt(alice.username, alice.password, '203.0.113.15')).statusCode).toBe(200)
  })
})
