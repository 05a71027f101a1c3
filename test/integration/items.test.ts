// Items: the catalog. Anyone reads; a signed-in user creates; only the owner or an admin edits or deletes.
// Each test reads as a promise the API makes to its clients: status, headers and body.
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, problem, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'

interface ItemJson {
  id: string
  name: string
  price: number
  description: string | null
  tags: string[]
  owner_id: string
  version: number
  created_at: string
  updated_at: string
}

interface PageJson {
  items: ItemJson[]
  next_cursor: string | null
}

type Query = Record<string, string | number>
type Headers = Record<string, string>

const PROBLEMS = 'https://trestle.dev/problems#'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const NO_SUCH_ID = '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11'

let t: TestApp
let alice: SignedUp
let bob: SignedUp
let admin: SignedUp

beforeAll(async () => {
  t = await createTestApp()
  alice = await signUpAndIn(t)
  bob = await signUpAndIn(t)
  admin = await signUpAndIn(t, { role: 'admin' })
})
afterAll(() => t.close())

// --- Calls -----------------------------------------------------------------------------------------

function post(who: SignedUp | undefined, payload: Record<string, unknown>, headers: Headers = {}) {
  return t.app.inject({ method: 'POST', url: '/items', headers: { ...who?.auth, ...headers }, payload })
}

/** Creates an item (a teapot at 9.99 unless told otherwise) and returns its JSON. */
async function create(who: SignedUp, fields: Record<string, unknown> = {}): Promise<ItemJson> {
  const res = await post(who, { name: 'Teapot', price: 9.99, ...fields })
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.body}`)
  return res.json()
}

function get(id: string, headers: Headers = {}) {
  return t.app.inject({ method: 'GET', url: `/items/${id}`, headers })
}

function list(query: Query = {}, headers: Headers = {}) {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
  return t.app.inject({ method: 'GET', url: `/items?${search}`, headers })
}

function patch(
  who: SignedUp | undefined,
  id: string,
  payload: Record<string, unknown>,
  headers: Headers = {},
) {
  return t.app.inject({
    method: 'PATCH',
    url: `/items/${id}`,
    headers: { ...who?.auth, ...headers },
    payload,
  })
}

function remove(who: SignedUp | undefined, id: string, headers: Headers = {}) {
  return t.app.inject({ method: 'DELETE', url: `/items/${id}`, headers: { ...who?.auth, ...headers } })
}

/** The one page a listing returns, asserting it is a 200. */
async function page(query: Query): Promise<PageJson> {
  const res = await list(query)
  if (res.statusCode !== 200) throw new Error(`expected 200, got ${res.statusCode}: ${res.body}`)
  return res.json()
}

async function names(query: Query): Promise<string[]> {
  return (await page(query)).items.map((item) => item.name)
}

/** Follows `next_cursor` from the first page to the last and returns every page. */
async function walk(query: Query): Promise<ItemJson[][]> {
  const pages: ItemJson[][] = []
  let cursor: string | null = null
  do {
    const body: PageJson = await page(cursor === null ? query : { ...query, cursor })
    pages.push(body.items)
    cursor = body.next_cursor
    if (pages.length > 50) throw new Error('the cursor never ends')
  } while (cursor !== null)
  return pages
}

/** Asserts a 422 validation problem and returns the pointers it names, checking where they were sent. */
function invalid(res: LightMyRequestResponse, where: 'body' | 'query' | 'path'): string[] {
  const body = problem(res, 422)
  expect(body.type).toBe(`${PROBLEMS}validation-failed`)
  expect(body.errors?.length).toBeGreaterThan(0)
  for (const error of body.errors ?? []) {
    expect(error.in).toBe(where)
    expect(error.detail).toEqual(expect.any(String))
  }
  return (body.errors ?? []).map((e) => e.pointer)
}

function nextLink(res: LightMyRequestResponse): string | undefined {
  const header = res.headers.link
  if (header === undefined) return undefined
  const match = /^<([^>]+)>; rel="next"$/.exec(String(header))
  if (!match?.[1]) throw new Error(`not a rel="next" link: ${header}`)
  return match[1]
}

// --- Create ----------------------------------------------------------------------------------------

describe('POST /items', () => {
  it('creates an item (the original test_create_item: POST /items/ with a trailing slash)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/items/',
      headers: alice.auth,
      payload: { name: 'Foo', price: 42 },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json().name).toBe('Foo')
  })

  it('answers 201 with Location, ETag "1" and the item, owned by the caller', async () => {
    const res = await post(alice, { name: 'Teapot', price: 9.99, tags: ['Kitchen', 'tea', 'TEA', 'kitchen'] })
    expect(res.statusCode).toBe(201)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    const item: ItemJson = res.json()
    expect(item.id).toMatch(UUID)
    expect(res.headers.location).toBe(`/items/${item.id}`)
    expect(res.headers.etag).toBe('"1"')
    expect(item).toEqual({
      id: item.id,
      name: 'Teapot',
      price: 9.99,
      description: null,
      tags: ['kitchen', 'tea'],
      owner_id: alice.id,
      version: 1,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: item.created_at,
    })
  })

  it('names a resource that GET then returns unchanged', async () => {
    const res = await post(alice, { name: 'Kettle', price: 25, description: 'Whistles', tags: ['tea'] })
    const created: ItemJson = res.json()
    const fetched = await t.app.inject({ url: String(res.headers.location) })
    expect(fetched.statusCode).toBe(200)
    expect(fetched.json()).toEqual(created)
  })

  it.each([
    [9.99, 9.99],
    [0.3, 0.3],
    [0.29, 0.29],
    [10, 10],
    [0, 0],
    [0.01, 0.01],
    [10_000_000, 10_000_000],
  ])('keeps the price %s exactly as %s', async (sent, echoed) => {
    const item = await create(alice, { price: sent })
    expect(item.price).toBe(echoed)
    expect((await get(item.id)).json().price).toBe(echoed)
  })

  it('keeps a description when one is sent', async () => {
    const item = await create(alice, { description: 'Short and stout' })
    expect(item.description).toBe('Short and stout')
  })

  it('answers 401 with a Bearer challenge without a token', async () => {
    const res = await post(undefined, { name: 'Teapot', price: 9.99 })
    expect(problem(res, 401).type).toBe(`${PROBLEMS}unauthenticated`)
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer\b/)
  })

  it('answers 401 invalid_token for a garbage token', async () => {
    const res = await post(undefined, { name: 'Teapot', price: 9.99 }, { authorization: 'Bearer garbage' })
    problem(res, 401)
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer\b/)
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
  })

  it.each([
    ['three decimals', 9.999],
    ['a negative amount', -1],
    ['an absurd amount', 1e12],
    ['just over the maximum', 10_000_000.01],
    ['a string (bodies are not coerced)', '9.99'],
    ['null', null],
  ])('refuses a price that is %s with 422 naming /price', async (_, price) => {
    const res = await post(alice, { name: 'Teapot', price })
    expect(invalid(res, 'body')).toEqual(['/price'])
  })

  it.each([
    ['missing', {}],
    ['empty', { name: '' }],
    ['too long', { name: 'x'.repeat(201) }],
    ['not a string', { name: 42 }],
  ])('refuses a name that is %s with 422 naming /name', async (_, fields) => {
    const res = await post(alice, { price: 1, ...fields })
    expect(invalid(res, 'body')).toEqual(['/name'])
  })

  it('refuses a missing price with 422 naming /price', async () => {
    expect(invalid(await post(alice, { name: 'Teapot' }), 'body')).toEqual(['/price'])
  })

  it.each([
    ['role', 'admin'],
    ['owner_id', NO_SUCH_ID],
    ['version', 7],
    ['id', NO_SUCH_ID],
  ])('refuses the unknown field %s instead of writing it (no mass assignment)', async (field, value) => {
    const name = `Smuggled ${field}`
    const res = await post(alice, { name, price: 1, [field]: value })
    const body = problem(res, 422)
    expect(body.errors).toEqual([{ in: 'body', pointer: `/${field}`, detail: 'is not a known field' }])
    expect(await names({ q: name })).toEqual([])
  })

  it('names every invalid field once, in one 422', async () => {
    const res = await post(alice, { name: '', price: -1, tags: 'tea', colour: 'red' })
    const body = problem(res, 422)
    expect(body.detail).toBe('The request has 4 invalid fields.')
    expect(invalid(res, 'body').sort()).toEqual(['/colour', '/name', '/price', '/tags'])
  })

  it('refuses more than 10 tags with 422 naming /tags', async () => {
    const tags = Array.from({ length: 11 }, (_, i) => `tag${i}`)
    expect(invalid(await post(alice, { name: 'Teapot', price: 1, tags }), 'body')).toEqual(['/tags'])
    const ten = await post(alice, { name: 'Teapot', price: 1, tags: tags.slice(0, 10) })
    expect(ten.statusCode).toBe(201)
  })

  it('refuses a tag with a space or a comma, or over 32 characters', async () => {
    for (const tag of ['two words', 'a,b', '', 'x'.repeat(33)]) {
      const pointers = invalid(await post(alice, { name: 'Teapot', price: 1, tags: [tag] }), 'body')
      expect(pointers).toEqual(['/tags/0'])
    }
  })

  it('refuses a description over 5000 characters', async () => {
    const res = await post(alice, { name: 'Teapot', price: 1, description: 'x'.repeat(5001) })
    expect(invalid(res, 'body')).toEqual(['/description'])
  })

  it('answers 400 for malformed JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/items',
      headers: { ...alice.auth, 'content-type': 'application/json' },
      payload: '{"name": "Teapot", ',
    })
    expect(problem(res, 400).type).toBe(`${PROBLEMS}bad-request`)
  })

  it('answers 400 for an empty JSON body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/items',
      headers: { ...alice.auth, 'content-type': 'application/json' },
      payload: '',
    })
    problem(res, 400)
  })

  it('answers 415 for a body that is not JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/items',
      headers: { ...alice.auth, 'content-type': 'text/plain' },
      payload: 'name=Teapot&price=9.99',
    })
    expect(problem(res, 415).type).toBe(`${PROBLEMS}unsupported-media-type`)
  })
})

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
    for (const cursor of ['garbage', 'WyJ4Il0', Buffer.from('["-created_at"]').toString('base64url')]) {
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

describe('GET /items: filters', () => {
  let owner: SignedUp

  beforeAll(async () => {
    owner = await signUpAndIn(t)
    await create(owner, { name: 'Blue Mug', price: 4.5, tags: ['Kitchen', 'mug'] })
    await create(owner, { name: 'mug rack', price: 12, tags: ['kitchen'] })
    await create(owner, { name: 'Plate', price: 7, description: 'Goes with the MUG' })
    await create(owner, { name: '50% off voucher', price: 1 })
    await create(owner, { name: '5000 piece puzzle', price: 25, tags: ['toy'] })
    await create(owner, { name: 'snake_case sign', price: 2.5 })
    await create(owner, { name: 'snakeXcase sign', price: 2.5 })
    await create(bob, { name: 'Bob’s mug', price: 4.5, tags: ['kitchen'] })
  })

  // Created order keeps the expectations independent of the database's collation.
  const mine = (query: Query) => names({ owner: owner.id, sort: 'created_at', ...query })

  it('q finds a case-insensitive substring of the name or the description', async () => {
    expect(await mine({ q: 'MUG' })).toEqual(['Blue Mug', 'mug rack', 'Plate'])
    expect(await mine({ q: 'rAcK' })).toEqual(['mug rack'])
    expect(await mine({ q: 'nothing like it' })).toEqual([])
  })

  it('q takes % and _ literally', async () => {
    expect(await mine({ q: '50%' })).toEqual(['50% off voucher'])
    expect(await mine({ q: '%' })).toEqual(['50% off voucher'])
    expect(await mine({ q: 'snake_case' })).toEqual(['snake_case sign'])
    expect(await mine({ q: '_' })).toEqual(['snake_case sign'])
    expect(await mine({ q: '\\' })).toEqual([])
  })

  it('min_price and max_price are inclusive', async () => {
    expect(await mine({ min_price: 2.5, max_price: 7 })).toEqual([
      'Blue Mug',
      'Plate',
      'snake_case sign',
      'snakeXcase sign',
    ])
    expect(await mine({ min_price: 12 })).toEqual(['mug rack', '5000 piece puzzle'])
    expect(await mine({ max_price: 1 })).toEqual(['50% off voucher'])
    expect(await mine({ min_price: 0.29, max_price: 0.29 })).toEqual([])
    expect(await mine({ min_price: 8, max_price: 7 })).toEqual([])
  })

  it('owner keeps only that user’s items', async () => {
    const all = await page({ owner: owner.id, limit: 100 })
    expect(all.items).toHaveLength(7)
    expect(new Set(all.items.map((i) => i.owner_id))).toEqual(new Set([owner.id]))
    expect(await names({ owner: bob.id, q: 'mug' })).toEqual(['Bob’s mug'])
  })

  it('tag keeps the items with that tag, whatever its case', async () => {
    expect(await mine({ tag: 'kitchen' })).toEqual(['Blue Mug', 'mug rack'])
    expect(await mine({ tag: 'KITCHEN' })).toEqual(['Blue Mug', 'mug rack'])
    expect(await mine({ tag: 'toy' })).toEqual(['5000 piece puzzle'])
    expect(await mine({ tag: 'none' })).toEqual([])
  })

  it('filters combine with AND', async () => {
    expect(await mine({ q: 'mug', tag: 'kitchen' })).toEqual(['Blue Mug', 'mug rack'])
    expect(await mine({ q: 'mug', tag: 'kitchen', max_price: 5 })).toEqual(['Blue Mug'])
    expect(await mine({ q: 'mug', min_price: 5 })).toEqual(['mug rack', 'Plate'])
    // Without `owner`, everyone's items match.
    const everyone = await names({ q: 'mug', tag: 'kitchen', max_price: 5, sort: 'created_at' })
    expect(everyone).toEqual(['Blue Mug', 'Bob’s mug'])
  })

  it('pages through a filtered listing', async () => {
    const pages = await walk({ owner: owner.id, sort: 'price', max_price: 7, limit: 2 })
    expect(pages.map((p) => p.map((i) => i.price))).toEqual([[1, 2.5], [2.5, 4.5], [7]])
  })

  it.each([
    ['min_price', '-1'],
    ['min_price', '1.005'],
    ['max_price', 'cheap'],
    ['max_price', '1e12'],
    ['owner', 'alice'],
    ['q', ''],
    ['tag', 'x'.repeat(33)],
  ])('refuses %s=%s with 422 naming it', async (param, value) => {
    expect(invalid(await list({ [param]: value }), 'query')).toEqual([`/${param}`])
  })
})

// --- Edit ----------------------------------------------------------------------------------------------

describe('PATCH /items/{id}', () => {
  it('lets the owner change the price: 200, version 2, ETag "2"; the rest is unchanged', async () => {
    const item = await create(alice, { description: 'Short and stout', tags: ['tea'] })
    const res = await patch(alice, item.id, { price: 12.5 })
    expect(res.statusCode).toBe(200)
    expect(res.headers.etag).toBe('"2"')
    const updated: ItemJson = res.json()
    expect(updated).toEqual({
      ...item,
      price: 12.5,
      version: 2,
      updated_at: expect.any(String),
    })
    expect(updated.updated_at >= item.updated_at).toBe(true)
    expect((await get(item.id)).json()).toEqual(updated)
  })

  it('changes only the fields sent: tags are normalised, a null description clears it', async () => {
    const item = await create(alice, { description: 'Old', tags: ['a', 'b'] })
    const res = await patch(alice, item.id, {
      name: 'Big teapot',
      tags: ['Tea', 'TEA', 'pot'],
      description: null,
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      name: 'Big teapot',
      price: item.price,
      description: null,
      tags: ['tea', 'pot'],
      version: 2,
    })
  })

  it('makes the old ETag stale for If-None-Match', async () => {
    const item = await create(alice)
    await patch(alice, item.id, { price: 1 })
    expect((await get(item.id, { 'if-none-match': '"1"' })).statusCode).toBe(200)
    expect((await get(item.id, { 'if-none-match': '"2"' })).statusCode).toBe(304)
  })

  it('goes through with If-Match naming the current ETag', async () => {
    const item = await create(alice)
    expect((await patch(alice, item.id, { price: 1 })).headers.etag).toBe('"2"')
    const res = await patch(alice, item.id, { price: 2 }, { 'if-match': '"2"' })
    expect(res.statusCode).toBe(200)
    expect(res.headers.etag).toBe('"3"')
    expect(res.json()).toMatchObject({ price: 2, version: 3 })
  })

  it('answers 412 to a stale If-Match and leaves the item unchanged', async () => {
    const item = await create(alice)
    await patch(alice, item.id, { price: 1 })
    const res = await patch(alice, item.id, { price: 99 }, { 'if-match': '"1"' })
    const body = problem(res, 412)
    expect(body.type).toBe(`${PROBLEMS}precondition-failed`)
    expect(body.detail).toContain('version 2')
    const now = await get(item.id)
    expect(now.headers.etag).toBe('"2"')
    expect(now.json()).toMatchObject({ price: 1, version: 2 })
  })

  it('accepts If-Match: * and a list holding the current ETag', async () => {
    const item = await create(alice)
    expect((await patch(alice, item.id, { price: 1 }, { 'if-match': '*' })).statusCode).toBe(200)
    expect((await patch(alice, item.id, { price: 2 }, { 'if-match': '"1", "2"' })).statusCode).toBe(200)
  })

  it('compares If-Match strongly: a weak ETag never matches', async () => {
    const item = await create(alice)
    problem(await patch(alice, item.id, { price: 1 }, { 'if-match': 'W/"1"' }), 412)
    expect((await get(item.id)).json().version).toBe(1)
  })

  it('answers 403 to another user and leaves the item unchanged', async () => {
    const item = await create(alice)
    const body = problem(await patch(bob, item.id, { price: 0 }), 403)
    expect(body.type).toBe(`${PROBLEMS}forbidden`)
    expect((await get(item.id)).json()).toEqual(item)
  })

  it('lets an admin edit anyone’s item; the owner stays the owner', async () => {
    const item = await create(alice)
    const res = await patch(admin, item.id, { name: 'Moderated' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ name: 'Moderated', owner_id: alice.id, version: 2 })
  })

  it('answers 401 with a Bearer challenge to an anonymous caller', async () => {
    const item = await create(alice)
    const res = await patch(undefined, item.id, { price: 1 })
    problem(res, 401)
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer\b/)
    expect((await get(item.id)).json().version).toBe(1)
  })

  it('refuses an empty body with 422', async () => {
    const item = await create(alice)
    const body = problem(await patch(alice, item.id, {}), 422)
    expect(body.type).toBe(`${PROBLEMS}validation-failed`)
    expect(body.errors?.[0]?.in).toBe('body')
  })

  it('refuses owner_id, version and invalid values with 422, changing nothing', async () => {
    const item = await create(alice)
    expect(invalid(await patch(alice, item.id, { owner_id: bob.id }), 'body')).toEqual(['/owner_id'])
    expect(invalid(await patch(alice, item.id, { version: 9 }), 'body')).toEqual(['/version'])
    expect(invalid(await patch(alice, item.id, { price: 1.001 }), 'body')).toEqual(['/price'])
    expect(invalid(await patch(alice, item.id, { price: '2' }), 'body')).toEqual(['/price'])
    expect(invalid(await patch(alice, item.id, { name: null }), 'body')).toEqual(['/name'])
    expect((await get(item.id)).json()).toEqual(item)
  })

  it('answers 404 for an unknown id', async () => {
    expect(problem(await patch(alice, NO_SUCH_ID, { price: 1 }), 404).type).toBe(`${PROBLEMS}not-found`)
  })

  it('answers 422 naming the path parameter for an id that is not a UUID', async () => {
    expect(invalid(await patch(alice, 'teapot', { price: 1 }), 'path')).toEqual(['/id'])
  })
})

// --- Delete --------------------------------------------------------------------------------------------

describe('DELETE /items/{id}', () => {
  it('answers 403 to another user and keeps the item', async () => {
    const item = await create(alice)
    expect(problem(await remove(bob, item.id), 403).type).toBe(`${PROBLEMS}forbidden`)
    expect((await get(item.id)).statusCode).toBe(200)
  })

  it('answers 401 with a Bearer challenge to an anonymous caller', async () => {
    const item = await create(alice)
    const res = await remove(undefined, item.id)
    problem(res, 401)
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer\b/)
    expect((await get(item.id)).statusCode).toBe(200)
  })

  it('answers 412 to the owner with a stale If-Match and keeps the item', async () => {
    const item = await create(alice)
    await patch(alice, item.id, { price: 1 })
    problem(await remove(alice, item.id, { 'if-match': '"1"' }), 412)
    expect((await get(item.id)).statusCode).toBe(200)
  })

  it('lets the owner delete: 204 with no body, then GET answers 404 and so does a second DELETE', async () => {
    const item = await create(alice)
    const res = await remove(alice, item.id)
    expect(res.statusCode).toBe(204)
    expect(res.body).toBe('')
    problem(await get(item.id), 404)
    problem(await remove(alice, item.id), 404)
  })

  it('deletes with If-Match naming the current ETag', async () => {
    const item = await create(alice)
    expect((await remove(alice, item.id, { 'if-match': '"1"' })).statusCode).toBe(204)
    problem(await get(item.id), 404)
  })

  it('lets an admin delete anyone’s item', async () => {
    const item = await create(bob)
    expect((await remove(admin, item.id)).statusCode).toBe(204)
    problem(await get(item.id), 404)
  })

  it('answers 404 for an unknown id and 422 for an id that is not a UUID', async () => {
    problem(await remove(alice, NO_SUCH_ID), 404)
    expect(invalid(await remove(alice, 'teapot'), 'path')).toEqual(['/id'])
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

  it('finds text case-insensitively beyond ASCII', async () => {
    const owner = await signUpAndIn(t)
    await create(owner, { name: 'CAFÉ CRÈME' })
    await create(owner, { name: 'ÆBLE' })
    expect(await names({ owner: owner.id, q: 'café' })).toEqual(['CAFÉ CRÈME'])
    expect(await names({ owner: owner.id, q: 'CAFÉ' })).toEqual(['CAFÉ CRÈME'])
    expect(await names({ owner: owner.id, q: 'æble' })).toEqual(['ÆBLE'])
  })

  it('keeps search in step with edits', async () => {
    const owner = await signUpAndIn(t)
    const item = await create(owner, { name: 'Kettle' })
    await patch(owner, item.id, { name: 'Samovar' })
    expect(await names({ owner: owner.id, q: 'kettle' })).toEqual([])
    expect(await names({ owner: owner.id, q: 'samovar' })).toEqual(['Samovar'])
  })

  it('sends a 304 without a body or a body length', async () => {
    const item = await create(alice)
    const res = await get(item.id, { 'if-none-match': '"1"' })
    expect(res.statusCode).toBe(304)
    expect(res.body).toBe('')
    expect(res.headers['content-length']).toBeUndefined()
  })
})
