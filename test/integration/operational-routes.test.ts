// Operational routes (probes, the API reference, the OpenAPI document) ignore credentials: a stale or broken
// token left in a client, a monitor or a browser does not turn them into 401s. Other routes still refuse it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, problem, signUpAndIn, type TestApp } from '../support/app.ts'

let t: TestApp
let stale: string

const OPERATIONAL = [
  '/health/live',
  '/health/ready',
  '/docs',
  '/docs/',
  '/docs/static/index.html',
  '/docs/json',
  '/openapi.json',
]

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_ENABLED: 'true' })
  const { token } = await signUpAndIn(t)
  // A token this server no longer accepts: its signature does not verify.
  stale = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`
})
afterAll(() => t.close())

describe('operational routes', () => {
  const tokens: [string, () => string][] = [
    ['a stale token', () => `Bearer ${stale}`],
    ['a malformed bearer token', () => 'Bearer not a token!'],
  ]
  for (const [label, authorization] of tokens) {
    it(`answer as for anyone when sent ${label}`, async () => {
      for (const url of OPERATIONAL) {
        const res = await t.app.inject({ url, headers: { authorization: authorization() } })
        expect(res.statusCode, `${url}: ${res.body.slice(0, 200)}`).toBeLessThan(400)
        expect(res.headers['www-authenticate'], url).toBeUndefined()
      }
    })
  }

  it('while the same token is refused everywhere else, even where anyone may read', async () => {
    const protectedRoute = await t.app.inject({
      url: '/users/me',
      headers: { authorization: `Bearer ${stale}` },
    })
    expect(problem(protectedRoute, 401).detail).toContain('invalid or has expired')
    const publicRoute = await t.app.inject({ url: '/items', headers: { authorization: `Bearer ${stale}` } })
    problem(publicRoute, 401)
    const malformed = await t.app.inject({ url: '/items', headers: { authorization: 'Bearer not a token!' } })
    problem(malformed, 400)
  })
})
