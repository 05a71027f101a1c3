import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, problem, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import { type ItemJson, invalid, itemCalls, NO_SUCH_ID, PROBLEMS, UUID } from '../support/items.ts'

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

const { post, create, get, patch, remove, names } = itemCalls(() => t)

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
