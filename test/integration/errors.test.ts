// Every error is an RFC 9457 problem: unknown routes, wrong methods, bad bodies, and our own bugs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, problem, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'

let t: TestApp
let alice: SignedUp

beforeAll(async () => {
  t = await createTestApp({ BODY_LIMIT: '2048' })
  alice = await signUpAndIn(t)
})
afterAll(() => t.close())

describe('problem responses', () => {
  it('404 for an unknown path', async () => {
    const body = problem(await t.app.inject({ url: '/nowhere?x=1' }), 404)
    expect(body).toMatchObject({
      type: 'https://trestle.dev/problems#not-found',
      title: 'Not Found',
      instance: '/nowhere',
    })
  })

  it('405 with Allow for a known path and another method', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/users/me' })
    const body = problem(res, 405)
    expect(body.type).toBe('https://trestle.dev/problems#method-not-allowed')
    expect(res.headers.allow).toBe('GET, PATCH, HEAD')
    const items = await t.app.inject({ method: 'PUT', url: '/items/' })
    expect(items.headers.allow).toBe('GET, POST, HEAD')
  })

  it('404, not 405, for an allowed method where a wildcard route has nothing', async () => {
    for (const url of ['/docs/static/x%2fy', '/docs/static/nothing.js']) {
      for (const method of ['GET', 'HEAD'] as const) {
        const res = await t.app.inject({ method, url })
        expect(res.statusCode, `${method} ${url}`).toBe(404)
        expect(res.headers.allow).toBeUndefined()
      }
      expect(problem(await t.app.inject({ url }), 404).type).toBe('https://trestle.dev/problems#not-found')
    }
    expect((await t.app.inject({ method: 'POST', url: '/docs/static/nothing.js' })).statusCode).toBe(405)
  })

  it('400 for malformed JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/items',
      headers: { ...alice.auth, 'content-type': 'application/json' },
      payload: '{"name": "Pen", ',
    })
    expect(problem(res, 400).type).toBe('https://trestle.dev/problems#bad-request')
  })

  it('415 for a body in a media type the operation does not take', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/items',
      headers: { ...alice.auth, 'content-type': 'text/plain' },
      payload: 'name=Pen',
    })
    expect(problem(res, 415).type).toBe('https://trestle.dev/problems#unsupported-media-type')
  })

  it('413 for a body over BODY_LIMIT', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/items',
      headers: alice.auth,
      payload: { name: 'Pen', price: 1, description: 'x'.repeat(4000) },
    })
    expect(problem(res, 413).type).toBe('https://trestle.dev/problems#payload-too-large')
  })

  it('answers the 401 before looking at the body', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/items', payload: { nonsense: true } })
    problem(res, 401)
  })

  it('500 without a stack or the error message, with a request id to quote', async () => {
    const original = t.container.items.get
    t.container.items.get = async () => {
      throw new Error('connection string postgres://secret@db')
    }
    try {
      const res = await t.app.inject({ url: '/items/0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11' })
      const body = problem(res, 500)
      expect(res.body).not.toContain('secret')
      expect(res.body).not.toContain('at ')
      expect(body.request_id).toBe(res.headers['x-request-id'])
    } finally {
      t.container.items.get = original
    }
  })

  it('echoes a sane X-Request-Id from the caller, and replaces an unsafe one', async () => {
    const given = await t.app.inject({ url: '/nowhere', headers: { 'x-request-id': 'abc-123' } })
    expect(given.headers['x-request-id']).toBe('abc-123')
    expect(given.json().request_id).toBe('abc-123')
    const unsafe = await t.app.inject({ url: '/nowhere', headers: { 'x-request-id': 'a b\u0000c' } })
    expect(unsafe.headers['x-request-id']).not.toBe('a b\u0000c')
  })

  it('answers with the request id even when a request hook refuses it (a bad token)', async () => {
    const res = await t.app.inject({ url: '/users/me', headers: { authorization: 'Bearer not-a-token' } })
    const body = problem(res, 401)
    expect(res.headers['x-request-id']).toBe(body.request_id)
  })
})

describe('paths', () => {
  it('accepts a trailing slash on every path', async () => {
    expect((await t.app.inject({ url: '/users/me/', headers: alice.auth })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/health/live/' })).statusCode).toBe(200)
  })
})

describe('security headers and CORS', () => {
  it('sets the headers OWASP lists for API responses, on answers and errors alike', async () => {
    for (const url of ['/health/live', '/nowhere', '/users/me']) {
      const res = await t.app.inject({ url })
      expect(res.headers['x-content-type-options'], url).toBe('nosniff')
      expect(res.headers['x-frame-options'], url).toBe('DENY')
      expect(res.headers['referrer-policy'], url).toBe('no-referrer')
      expect(res.headers['cross-origin-resource-policy'], url).toBe('same-origin')
      // HSTS only when PUBLIC_URL is https: test/integration/security-headers.test.ts.
      expect(res.headers['strict-transport-security'], url).toBeUndefined()
    }
  })

  it("gives the HTML pages helmet's whole set", async () => {
    const res = await t.app.inject({ url: '/docs' })
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN')
    expect(res.headers['origin-agent-cluster']).toBe('?1')
    expect(res.headers['x-dns-prefetch-control']).toBe('off')
  })

  it('grants no CORS by default, and only to the configured origins', async () => {
    const none = await t.app.inject({ url: '/health/live', headers: { origin: 'https://app.example.com' } })
    expect(none.headers['access-control-allow-origin']).toBeUndefined()
    const refused = await t.app.inject({
      method: 'OPTIONS',
      url: '/items',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    })
    expect(refused.statusCode).toBe(404)
    expect(refused.headers['access-control-allow-methods']).toBeUndefined()
    const cors = await createTestApp({ CORS_ORIGINS: 'https://app.example.com' })
    try {
      const allowed = await cors.app.inject({
        url: '/health/live',
        headers: { origin: 'https://app.example.com' },
      })
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com')
      // Browser clients may read the pagination, concurrency and rate-limit headers.
      const exposed = String(allowed.headers['access-control-expose-headers'])
      for (const h of ['etag', 'link', 'retry-after', 'ratelimit', 'ratelimit-policy'])
        expect(exposed).toContain(h)
      const other = await cors.app.inject({
        url: '/health/live',
        headers: { origin: 'https://evil.example.com' },
      })
      expect(other.headers['access-control-allow-origin']).toBeUndefined()
      const preflight = await cors.app.inject({
        method: 'OPTIONS',
        url: '/items',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
      })
      expect(preflight.statusCode).toBe(204)
      expect(preflight.headers['access-control-allow-methods']).toContain('POST')
    } finally {
      await cors.close()
    }
  })
})
