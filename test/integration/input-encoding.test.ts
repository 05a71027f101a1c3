// Input that is not what it seems is refused before any route runs, naming the field: a JSON string with a
// lone surrogate (stored, it would read back as U+FFFD), a query number written as `0x10`, ` 5` or `1e1`
// (which JavaScript's Number() would take), a query value whose percent-escapes are not UTF-8.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, problem, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'

let t: TestApp
let alice: SignedUp
let admin: SignedUp

beforeAll(async () => {
  t = await createTestApp()
  alice = await signUpAndIn(t)
  admin = await signUpAndIn(t, { role: 'admin' })
})
afterAll(() => t.close())

// A body as raw JSON text, so that `\ud800` reaches the server as the escape a client would send.
function postJson(url: string, json: string, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { ...headers, 'content-type': 'application/json' },
    payload: json,
  })
}

async function myItemCount(): Promise<number> {
  const res = await t.app.inject({ url: `/items?owner=${alice.id}&limit=100` })
  return res.json().items.length
}

describe('a lone surrogate in a JSON body', () => {
  it('is refused with 422 naming the field, and nothing is created', async () => {
    const before = await myItemCount()
    const cases: [string, string][] = [
      ['{"name":"Pen\\ud800","price":1}', '/name'],
      ['{"name":"Pen","price":1,"description":"\\udfff ink"}', '/description'],
      ['{"name":"Pen","price":1,"tags":["ok","x\\uDC00"]}', '/tags/1'],
      // A high surrogate followed by another high one is no pair either.
      ['{"name":"\\ud83d\\ud83d","price":1}', '/name'],
      ['{"name":"Pen","price":1,"a/b\\ud800":1}', '/a~1b\ufffd'],
    ]
    for (const [json, pointer] of cases) {
      const body = problem(await postJson('/items/', json, alice.auth), 422)
      expect(body.type).toBe('https://trestle.dev/problems#validation-failed')
      expect(body.errors, json).toEqual([
        { in: 'body', pointer, detail: expect.stringContaining('lone surrogate') },
      ])
    }
    expect(await myItemCount()).toBe(before)
  })

  it('is refused at sign-up too, before the username pattern is looked at', async () => {
    const json = '{"username":"bob\\ud800","email":"bob@example.com","password":"correct horse battery"}'
    const body = problem(await postJson('/users', json), 422)
    expect(body.errors).toEqual([
      { in: 'body', pointer: '/username', detail: expect.stringContaining('lone surrogate') },
    ])
  })

  it('while a surrogate pair, escaped or not, is text like any other and reads back as sent', async () => {
    const res = await postJson(
      '/items/',
      '{"name":"Tea \\ud83c\\udf75","price":1,"description":"cup 🍵"}',
      alice.auth,
    )
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ name: 'Tea 🍵', description: 'cup 🍵' })
    const read = await t.app.inject({ url: `/items/${res.json().id}` })
    expect(read.json()).toMatchObject({ name: 'Tea 🍵', description: 'cup 🍵' })
  })

  it('is a client error over GraphQL, which shares the JSON parser', async () => {
    const json =
      '{"query":"mutation($input: CreateItemInput!) { createItem(input: $input) { id } }","variables":{"input":{"name":"\\ud800","price":1}}}'
    const res = await postJson('/graphql', json, alice.auth)
    expect(res.statusCode).toBe(400)
    const body = res.json()
    expect(body.data ?? null).toBeNull()
    expect(body.errors[0].message).toContain('/variables/input/name')
  })
})

describe('numbers in a query string', () => {
  const refused = ['0x10', '%205', '5%20', '1e1', '+5', '5.0', '', '0b1', 'Infinity']

  it('are plain decimal integers for GET /items?limit', async () => {
    for (const value of refused) {
      const body = problem(await t.app.inject({ url: `/items?limit=${value}` }), 422)
      expect(body.errors, value).toEqual([
        { in: 'query', pointer: '/limit', detail: expect.stringContaining('decimal') },
      ])
    }
    expect((await t.app.inject({ url: '/items?limit=5' })).statusCode).toBe(200)
  })

  it('are plain decimals for min_price and max_price', async () => {
    for (const value of ['0x10', '%205', '1e1', '+5', '.5', '5.', '1,5']) {
      for (const name of ['min_price', 'max_price']) {
        const body = problem(await t.app.inject({ url: `/items?${name}=${value}` }), 422)
        expect(body.errors?.[0], `${name}=${value}`).toEqual({
          in: 'query',
          pointer: `/${name}`,
          detail: expect.stringContaining('decimal'),
        })
      }
    }
    const ok = await t.app.inject({ url: '/items?min_price=0.5&max_price=10' })
    expect(ok.statusCode, ok.body).toBe(200)
  })

  it('are plain decimal integers for the pagination of GET /users', async () => {
    for (const value of ['0x10', '%205', '1e1']) {
      const body = problem(await t.app.inject({ url: `/users?limit=${value}`, headers: admin.auth }), 422)
      expect(body.errors, value).toEqual([
        { in: 'query', pointer: '/limit', detail: expect.stringContaining('decimal') },
      ])
    }
    expect((await t.app.inject({ url: '/users?limit=3', headers: admin.auth })).statusCode).toBe(200)
  })

  it('are reported alongside the other invalid fields', async () => {
    const body = problem(await t.app.inject({ url: '/items?limit=0x10&sort=cheapest' }), 422)
    expect(body.errors?.map((e) => e.pointer).sort()).toEqual(['/limit', '/sort'])
  })
})

describe('percent-escapes in a query string', () => {
  it('that are not UTF-8 are refused naming the parameter, not read as something else', async () => {
    for (const query of ['q=%ff', 'q=%ED%A0%80', 'q=100%', 'tag=%E2%82']) {
      const body = problem(await t.app.inject({ url: `/items?${query}` }), 422)
      const name = query.split('=')[0]
      expect(body.errors, query).toEqual([
        { in: 'query', pointer: `/${name}`, detail: expect.stringContaining('UTF-8') },
      ])
    }
  })

  it('that are UTF-8 are decoded, + as a space', async () => {
    const created = await postJson('/items/', '{"name":"Café crème","price":2,"tags":["café"]}', alice.auth)
    expect(created.statusCode).toBe(201)
    const res = await t.app.inject({ url: '/items?q=caf%C3%A9+cr%C3%A8me&tag=caf%C3%A9' })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().items.map((i: { name: string }) => i.name)).toEqual(['Café crème'])
  })
})
