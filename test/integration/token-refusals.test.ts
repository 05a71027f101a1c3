// POST /token answers in the RFC 6749 §5.2 shape. What RFC 6749 has no code for (a 429 of the rate limit or
// of the sign-in throttle, a 413) is a problem document, as everywhere in the API, that also carries `error`
// and `error_description`: an OAuth2 client, which reads only those, can say what happened.
import type { AddressInfo } from 'node:net'
import { ResourceOwnerPassword } from 'simple-oauth2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestApp,
  passwordGrant,
  postForm,
  type SignedUp,
  signUpAndIn,
  type TestApp,
} from '../support/app.ts'

let t: TestApp
let alice: SignedUp

// The sign-in throttle's clock is ours: time passes only when a test says so.
const now = Date.parse('2026-11-24T12:00:00Z')

beforeAll(async () => {
  t = await createTestApp(
    { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_AUTH: '20', LOGIN_MAX_FAILURES: '2', LOGIN_LOCK_SECONDS: '30' },
    { clock: () => now },
  )
  alice = await signUpAndIn(t)
})
afterAll(() => t.close())

function expectOAuthProblem(res: Awaited<ReturnType<typeof passwordGrant>>, status: number, error: string) {
  expect(res.statusCode, res.body).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(res.headers['cache-control']).toBe('no-store')
  const body = res.json()
  expect(body).toMatchObject({ status, type: expect.stringContaining('https://trestle.dev/problems#') })
  expect(body.error).toBe(error)
  expect(body.error_description).toBe(body.detail)
  return body
}

describe('POST /token refusals that RFC 6749 has no code for', () => {
  it('the sign-in throttle: 429 with Retry-After, slow_down', async () => {
    const ip = '203.0.113.50'
    for (let i = 0; i < 2; i++) {
      expect((await passwordGrant(t, { username: alice.username, password: 'wrong' }, ip)).statusCode).toBe(
        400,
      )
    }
    const res = await passwordGrant(t, { username: alice.username, password: alice.password }, ip)
    const body = expectOAuthProblem(res, 429, 'slow_down')
    expect(body.type).toBe('https://trestle.dev/problems#quota-exceeded')
    expect(body.error_description).toContain('Try again in 30 seconds')
    expect(res.headers['retry-after']).toBe('30')
  })

  it('the rate limit (RATE_LIMIT_AUTH per IP): 429 with Retry-After and the policy, slow_down', async () => {
    // Refresh grants with a bogus token: counted by the rate limit, not by the sign-in throttle.
    const refresh = () =>
      postForm(t, '/token', { grant_type: 'refresh_token', refresh_token: 'bogus' }, '203.0.113.51')
    for (let i = 0; i < 20; i++) expect((await refresh()).statusCode).toBe(400)
    const res = await refresh()
    const body = expectOAuthProblem(res, 429, 'slow_down')
    expect(body.detail).toMatch(/^Rate limit exceeded/)
    expect(body.policy).toMatchObject({ name: 'auth', limit: 20 })
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('a form over the size limit: 413, invalid_request', async () => {
    const res = await postForm(
      t,
      '/token',
      { grant_type: 'password', username: 'a'.repeat(20_000) },
      '203.0.113.52',
    )
    expectOAuthProblem(res, 413, 'invalid_request')
  })

  it('as the OpenAPI document says', async () => {
    const operation = (await t.app.inject({ url: '/openapi.json' })).json().paths['/token'].post
    expect(operation.description).toContain('`slow_down` for 429')
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '413', '429']))
  })

  it('while grant errors stay in the plain RFC 6749 shape', async () => {
    const res = await passwordGrant(t, { username: alice.username, password: 'wrong' }, '203.0.113.53')
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Incorrect username or password.',
    })
  })
})

describe('a stock OAuth2 client (simple-oauth2)', () => {
  it('reports the throttle from error and error_description', async () => {
    const own = await createTestApp(
      { LOGIN_MAX_FAILURES: '1', LOGIN_LOCK_SECONDS: '60' },
      { clock: () => now },
    )
    try {
      const user = await signUpAndIn(own)
      await own.app.listen({ host: '127.0.0.1', port: 0 })
      const { port } = own.app.server.address() as AddressInfo
      const client = new ResourceOwnerPassword({
        client: { id: 'cli', secret: '' },
        auth: { tokenHost: `http://127.0.0.1:${port}`, tokenPath: '/token' },
        options: { authorizationMethod: 'body' },
      })
      await expect(client.getToken({ username: user.username, password: 'wrong' })).rejects.toMatchObject({
        output: { statusCode: 400 },
        data: { payload: { error: 'invalid_grant' } },
      })
      const refused = client.getToken({ username: user.username, password: user.password })
      await expect(refused).rejects.toMatchObject({
        output: { statusCode: 429 },
        data: {
          payload: {
            error: 'slow_down',
            error_description: expect.stringContaining('Try again in 60 seconds'),
          },
        },
      })
    } finally {
      await own.close()
    }
  })
})
