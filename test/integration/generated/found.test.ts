// What the generated-input suites found, as plain regression tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, problem, type TestApp } from '../../support/app.ts'
import { NO_SUCH_ID } from '../../support/items.ts'

let t: TestApp
let doc: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }
beforeAll(async () => {
  t = await createTestApp()
  doc = (await t.app.inject({ url: '/openapi.json' })).json()
})
afterAll(() => t.close())

const documented = (path: string, method: string, status: number) =>
  Object.keys(doc.paths[path]?.[method]?.responses ?? {}).includes(String(status))

describe('POST /token and /token/revoke with a JSON body that is not JSON', () => {
  // It was a 400 labelled problem+json whose body the RFC 6749 response schema had cut to two members.
  for (const url of ['/token', '/token/revoke']) {
    for (const payload of ['', '{']) {
      it(`${url} ${JSON.stringify(payload)}: RFC 6749 invalid_request as application/json`, async () => {
        const res = await t.app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json' },
          payload,
        })
        expect(res.statusCode).toBe(400)
        expect(res.headers['content-type']).toMatch(/^application\/json/)
        expect(res.json()).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) })
      })
    }
  }
})

describe('refusals every route can give are in the document', () => {
  it('a bad bearer token on an operation open to anyone: 401, documented', async () => {
    const res = await t.app.inject({ url: '/items', headers: { authorization: 'Bearer not.a.token' } })
    problem(res, 401)
    expect(documented('/items', 'get', 401)).toBe(true)
    expect(documented('/rates', 'get', 401)).toBe(true)
  })

  it('a malformed bearer header: 400, documented', async () => {
    const res = await t.app.inject({ url: `/users/${NO_SUCH_ID}`, headers: { authorization: 'Bearer a b' } })
    problem(res, 400)
    expect(documented('/users/{id}', 'get', 400)).toBe(true)
  })

  it('a path segment over the limit: 414, documented where the path has a parameter', async () => {
    const res = await t.app.inject({ url: `/items/${'x'.repeat(300)}` })
    problem(res, 414)
    expect(documented('/items/{id}', 'get', 414)).toBe(true)
    expect(documented('/items', 'get', 414)).toBe(false)
  })

  it('a malformed query string: 422, documented on operations that take no query', async () => {
    const res = await t.app.inject({ url: '/health/live?%ff=1' })
    problem(res, 422)
    expect(documented('/health/live', 'get', 422)).toBe(true)
    // Operational routes read no token: no 401 to document there.
    expect(documented('/health/live', 'get', 401)).toBe(false)
  })
})
