// Items, reading: anyone reads one item or pages through the catalog, sorted (searching and filters:
// items-search.test.ts); every error is a problem document. Each test reads as a promise the API makes to
// its clients: status, headers and body.
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, problem, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import {
  type ItemJson,
  invalid,
  itemCalls,
  NO_SUCH_ID,
  nextLink,
  type PageJson,
  PROBLEMS,
} from '../support/items.ts'

let t: TestApp
let alice: SignedUp
let bob: SignedUp

beforeAll(async () => {
  t = await createTestApp()
  alice = await signUpAndIn(t)
  bob = await signUpAndIn(t)
})
afterAll(() => t.close())

const { post, create, get, list, patch, page, names, walk } = itemCalls(() => t)

// --- Read one --------------------------------------------------------------------------------------

describe('GET /items/{id}', () => {
  let item: ItemJson

  beforeAll(async () => {
    item = await create(alice, { name: 'Milk jug', price: 4.5 })
  })

  it('is open to anonymous callers and carries the ETag', async () => {
    const res = await get(item.id)
    expect(res.statusCode).toBe(200)
    expect(res.headers.etag).toBe('"1"')
    expect(res.json()).toEqual(item)
  })

  it('answers 304 with no body to If-None-Match with the current ETag', async () => {
    const res = await get(item.id, { 'if-none-match': '"1"' })
    expect(res.statusCode).toBe(304)
    expect(res.body).toBe('')
    expect(res.headers.etag).toBe('"1"')
  })

  it('compares If-None-Match weakly and accepts a list or *', async () => {
    for (const header of ['W/"1"', '"7", "1"', '*']) {
      expect((await get(item.id, { 'if-none-match': header })).statusCode).toBe(304)
    }
  })

  it('answers 200 with the item to If-None-Match with a stale ETag', async () => {
    const res = await get(item.id, { 'if-none-match': '"0"' })
    expect(res.statusCode).toBe(200)
    expect(res.headers.etag).toBe('"1"')
    expect(res.json()).toEqual(item)
  })

  it('answers 404 for an unknown id', async () => {
    const body = problem(await get(NO_SUCH_ID), 404)
    expect(body.type).toBe(`${PROBLEMS}not-found`)
    expect(body.detail).toContain(NO_SUCH_ID)
  })

  it('answers 422 naming the path parameter for an id that is not a UUID', async () => {
    expect(invalid(await get('42'), 'path')).toEqual(['/id'])
  })

  it('refuses a garbage token with 401, even though reading needs none', async () => {
    const res = await get(item.id, { authorization: 'Bearer garbage' })
    problem(res, 401)
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
  })
})

// --- List --------------------------------------------------------------------------------------------

describe('GET /items: pagination', () => {
  let owner: SignedUp
  let created: ItemJson[]

  beforeAll(async () => {
    owner = await signUpAndIn(t)
    created = []
    for (let i = 1; i <= 7; i++) created.push(await create(owner, { name: `Cup ${i}`, price: i }))
  })

  it('walks every item exactly once, newest first, `limit` at a time, and ends with next_cursor null', async () => {
    const pages = await walk({ owner: owner.id, limit: 3 })
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1])
    const ids = pages.flat().map((item) => item.id)
    expect(ids).toEqual(created.map((item) => item.id).reverse())
  })

  it('puts a Link rel="next" header on every page but the last, keeping the other parameters', async () => {
    let url: string | undefined = `/items?owner=${owner.id}&limit=3`
    const seen: string[] = []
    const links: (string | undefined)[] = []
    while (url !== undefined) {
      const res = await t.app.inject({ url })
      expect(res.statusCode).toBe(200)
      const body: PageJson = res.json()
      seen.push(...body.items.map((item) => item.name))
      const next = nextLink(res)
      links.push(next)
      if (next !== undefined) {
        const params = new URL(next, 'http://x').searchParams
        expect(new URL(next, 'http://x').pathname).toBe('/items')
        expect(params.get('owner')).toBe(owner.id)
        expect(params.get('limit')).toBe('3')
        expect(params.get('cursor')).toBe(body.next_cursor)
      } else {
        expect(body.next_cursor).toBeNull()
      }
      url = next
    }
    expect(links.map((l) => l !== undefined)).toEqual([true, true, false])
    expect(seen).toEqual(created.map((item) => item.name).reverse())
  })

  it('has no Link header and a null next_cursor when everything fits on one page', async () => {
    const res = await list({ owner: owner.id })
    expect(res.headers.link).toBeUndefined()
    expect(res.json<PageJson>().items).toHaveLength(7)
    expect(res.json<PageJson>().next_cursor).toBeNull()
  })

  it('answers an empty page for an owner with no items', async () => {
    expect(await page({ owner: NO_SUCH_ID })).toEqual({ items: [], next_cursor: null })
  })

  it.each([0, 101, -1, 2.5, 'ten'])('refuses limit=%s with 422 naming /limit', async (limit) => {
    expect(invalid(await list({ limit }), 'query')).toEqual(['/limit'])
  })

  it('accepts limit=1 and limit=100', async () => {
    expect((await page({ owner: owner.id, limit: 1 })).items).toHaveLength(1)
    expect((await page({ owner: owner.id, limit: 100 })).items).toHaveLength(7)
  })

  it('refuses a garbage cursor with 422 naming /cursor', async () => {
    // A day that does not exist passes Date.parse, but PostgreSQL refuses it: a 422, never a 500.
    const impossible = ['-created_at', '2026-02-30T00:00:00.000Z', '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11']
    const garbage = ['garbage', 'WyJ4Il0', Buffer.from('["-created_at"]').toString('base64url')]
    for (const cursor of [...garbage, Buffer.from(JSON.stringify(impossible)).toString('base64url')]) {
      expect(invalid(await list({ cursor }), 'query')).toEqual(['/cursor'])
    }
  })

  it('refuses a cursor made for another sort order with 422 naming /cursor', async () => {
    const byPrice = await page({ owner: owner.id, sort: 'price', limit: 2 })
    expect(byPrice.next_cursor).not.toBeNull()
    const res = await list({ owner: owner.id, sort: 'name', cursor: String(byPrice.next_cursor) })
    expect(invalid(res, 'query')).toEqual(['/cursor'])
    const defaultSort = await list({ owner: owner.id, cursor: String(byPrice.next_cursor) })
    expect(invalid(defaultSort, 'query')).toEqual(['/cursor'])
  })

  it('refuses an unknown query parameter with 422 naming it', async () => {
    const body = problem(await list({ page: 2 }), 422)
    expect(body.errors).toEqual([{ in: 'query', pointer: '/page', detail: 'is not a known field' }])
  })
})

describe('GET /items: sort', () => {
  let owner: SignedUp

  beforeAll(async () => {
    owner = await signUpAndIn(t)
    // Created in this order; cherry and date cost the same.
    await create(owner, { name: 'cherry', price: 3 })
    await create(owner, { name: 'apple', price: 20 })
    await create(owner, { name: 'banana', price: 0.5 })
    await create(owner, { name: 'date', price: 3 })
  })

  it.each([
    ['-created_at', ['date', 'banana', 'apple', 'cherry']],
    ['created_at', ['cherry', 'apple', 'banana', 'date']],
    ['price', ['banana', 'cherry', 'date', 'apple']],
    ['-price', ['apple', 'date', 'cherry', 'banana']],
    ['name', ['apple', 'banana', 'cherry', 'date']],
    ['-name', ['date', 'cherry', 'banana', 'apple']],
  ])('sort=%s orders the items (ties broken the same way every time)', async (sort, expected) => {
    expect(await names({ owner: owner.id, sort })).toEqual(expected)
  })

  it('sorts newest first by default', async () => {
    expect(await names({ owner: owner.id })).toEqual(await names({ owner: owner.id, sort: '-created_at' }))
  })

  it.each(['created_at', '-created_at', 'price', '-price', 'name', '-name'])(
    'pages through sort=%s one item at a time, ties included, without skipping or repeating',
    async (sort) => {
      const pages = await walk({ owner: owner.id, sort, limit: 1 })
      expect(pages.map((p) => p.length)).toEqual([1, 1, 1, 1])
      expect(pages.flat().map((i) => i.name)).toEqual(await names({ owner: owner.id, sort }))
    },
  )

  it('refuses an unknown sort with 422 naming /sort', async () => {
    expect(invalid(await list({ sort: 'popularity' }), 'query')).toEqual(['/sort'])
  })
})

// --- Every error is a problem ----------------------------------------------------------------------------

describe('error responses', () => {
  it('are application/problem+json with type, title, status, detail, instance and request_id', async () => {
    const item = await create(alice)
    const cases: [LightMyRequestResponse, number, string][] = [
      [await post(alice, { name: 'Teapot', price: 'free' }), 422, 'validation-failed'],
      [await post(undefined, { name: 'Teapot', price: 1 }), 401, 'unauthenticated'],
      [await patch(bob, item.id, { price: 1 }), 403, 'forbidden'],
      [await get(NO_SUCH_ID), 404, 'not-found'],
      [await patch(alice, item.id, { price: 1 }, { 'if-match': '"9"' }), 412, 'precondition-failed'],
      [await list({ cursor: 'garbage' }), 422, 'validation-failed'],
    ]
    for (const [res, status, slug] of cases) {
      const body = problem(res, status)
      expect(body.type).toBe(`${PROBLEMS}${slug}`)
      expect(body.title).toEqual(expect.any(String))
      expect(body.detail).toEqual(expect.any(String))
      expect(body.request_id).toBe(res.headers['x-request-id'])
      expect(body).toHaveProperty('instance')
    }
  })

  it('quote the caller’s X-Request-Id', async () => {
    const res = await t.app.inject({ url: `/items/${NO_SUCH_ID}`, headers: { 'x-request-id': 'trace-42' } })
    expect(problem(res, 404).request_id).toBe('trace-42')
  })
})

describe('inputs every database must take alike', () => {
  it('refuses the NUL character in text with 422, never a 500', async () => {
    expect(invalid(await post(alice, { name: 'a\u0000b', price: 1 }), 'body')).toEqual(['/name'])
    expect(invalid(await post(alice, { name: 'Pen', price: 1, tags: ['a\u0000'] }), 'body')).toEqual([
      '/tags/0',
    ])
    expect(invalid(await list({ q: 'a\u0000b' }), 'query')).toEqual(['/q'])
    expect(invalid(await list({ tag: 'a\u0000b' }), 'query')).toEqual(['/tag'])
  })

  it('accepts ids in upper case and refuses urn:uuid: forms', async () => {
    const item = await create(alice)
    const upper = await get(item.id.toUpperCase())
    expect(upper.statusCode).toBe(200)
    expect(upper.json().id).toBe(item.id)
    expect((await page({ owner: alice.id.toUpperCase(), limit: 100 })).items.map((i) => i.id)).toContain(
      item.id,
    )
    expect(invalid(await get(`urn:uuid:${item.id}`), 'path')).toEqual(['/id'])
    expect(invalid(await list({ owner: `urn:uuid:${alice.id}` }), 'query')).toEqual(['/owner'])
  })

  it('refuses a tampered cursor with 422 naming /cursor', async () => {
    const cursor = (value: unknown[]) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const tampered = [
      { sort: '-created_at', cursor: cursor(['-created_at', 'garbage', NO_SUCH_ID]) },
      { sort: 'price', cursor: cursor(['price', 1099511627776, NO_SUCH_ID]) },
      { sort: 'name', cursor: cursor(['name', 'a\u0000', NO_SUCH_ID]) },
    ]
    for (const query of tampered) expect(invalid(await list(query), 'query')).toEqual(['/cursor'])
  })

  it('sends a 304 without a body or a body length', async () => {
    const item = await create(alice)
    const res = await get(item.id, { 'if-none-match': '"1"' })
    expect(res.statusCode).toBe(304)
    expect(res.body).toBe('')
    expect(res.headers['content-length']).toBeUndefined()
  })
})
