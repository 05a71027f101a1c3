// The authorisation matrix: every REST operation × every kind of caller, with the status each one gets.
// Every request is valid (body, path, content type), so the status is the authorisation decision and
// nothing else. The table must list exactly the operations of the OpenAPI document: a route added without
// a row (or a row left behind by a removed route) fails the suite.
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestApp,
  passwordGrant,
  problem,
  type SignedUp,
  signUpAndIn,
  type TestApp,
} from '../support/app.ts'

const CALLERS = ['anonymous', 'user', 'other', 'admin'] as const
type Caller = (typeof CALLERS)[number]

/** What every cell may use: created once, never destroyed by a cell. */
interface Fixtures {
  /** A regular user: the owner of `item`, and the account `/users/{id}` rows target. */
  user: SignedUp
  /** A regular user who owns nothing the rows touch. */
  other: SignedUp
  admin: SignedUp
  /** An item owned by `user`. */
  itemId: string
}

/** How to make one valid request for one cell. */
interface Prepared {
  /** Values for the `{name}` placeholders of the path template. */
  params?: Record<string, string>
  query?: Record<string, string>
  /** A JSON body. */
  json?: Record<string, unknown>
  /** A form-encoded body (the OAuth2 endpoints). */
  form?: Record<string, string>
  /**
   * The `user` caller of this cell, when the row makes a fresh account for it (a destructive call on an
   * account). Defaults to the shared `user`.
   */
  self?: SignedUp
}

type Prepare = (f: Fixtures) => Prepared | Promise<Prepared>

interface Row {
  op: string
  expected: Record<Caller, number>
  prepare: Prepare
}

let t: TestApp
let fixtures: Fixtures
let counter = 0

const unique = (prefix: string) => `${prefix}${++counter}_${process.pid}`

// --- Fresh fixtures, for cells that destroy or change what they act on --------------------------------

/** A new item owned by the shared `user`, for a cell that deletes it. */
async function freshItem(f: Fixtures): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/items',
    headers: f.user.auth,
    payload: { name: 'Doomed teapot', price: 1.5 },
  })
  if (res.statusCode !== 201) throw new Error(`item fixture failed: ${res.body}`)
  return res.json().id
}

/** A new signed-in account that acts as `user` in its cell: the target of a role change or a sign-out. */
async function freshAccount(): Promise<Prepared> {
  const self = await signUpAndIn(t)
  return { self, params: { id: self.id } }
}

/** A refresh token of `user`'s, from a new sign-in, for a cell that revokes it. */
async function freshRefreshToken(f: Fixtures): Promise<string> {
  const res = await passwordGrant(t, { username: f.user.username, password: f.user.password })
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.body}`)
  return res.json().refresh_token
}

// --- The matrix ---------------------------------------------------------------------------------------
// `user` owns the item and is the account that `/users/{id}` names; `other` is another regular user.
// 401: not signed in where that is needed. 403: signed in, but not the owner, the account itself or an admin.

function row(
  op: string,
  anonymous: number,
  user: number,
  other: number,
  admin: number,
  prepare: Prepare = () => ({}),
): Row {
  return { op, expected: { anonymous, user, other, admin }, prepare }
}

// biome-ignore format: the matrix reads as a table
const MATRIX: Row[] = [
  //   operation                                    anon  user other admin  a valid request
  row('GET /health/live',                            200,  200,  200,  200),
  row('GET /health/ready',                           200,  200,  200,  200),
  row('POST /token',                                 200,  200,  200,  200, (f) => ({
    form: { grant_type: 'password', username: f.user.username, password: f.user.password } })),
  row('POST /token/revoke',                          200,  200,  200,  200, async (f) => ({
    form: { token: await freshRefreshToken(f) } })),
  row('GET /.well-known/jwks.json',                  200,  200,  200,  200),
  row('GET /.well-known/oauth-authorization-server', 200,  200,  200,  200),
  row('POST /users',                                 201,  201,  201,  201, () => {
    const username = unique('signup')
    return { json: { username, email: `${username}@example.com`, password: 'correct horse battery' } }
  }),
  row('GET /users',                                  401,  403,  403,  200),
  row('GET /users/me',                               401,  200,  200,  200),
  row('PATCH /users/me',                             401,  200,  200,  200, () => ({
    json: { full_name: 'Renamed' } })),
  row('GET /users/{id}',                             200,  200,  200,  200, (f) => ({
    params: { id: f.user.id } })),
  row('PATCH /users/{id}',                           401,  403,  403,  200, async () => ({
    ...(await freshAccount()), json: { disabled: true } })),
  row('POST /users/{id}/sign-out',                   401,  204,  403,  204, freshAccount),
  row('POST /items',                                 401,  201,  201,  201, () => ({
    json: { name: 'Teapot', price: 9.99 } })),
  row('GET /items',                                  200,  200,  200,  200, () => ({
    query: { limit: '5' } })),
  row('GET /items/{id}',                             200,  200,  200,  200, (f) => ({
    params: { id: f.itemId } })),
  row('PATCH /items/{id}',                           401,  200,  403,  200, (f) => ({
    params: { id: f.itemId }, json: { price: 12.5 } })),
  row('DELETE /items/{id}',                          401,  204,  403,  204, async (f) => ({
    params: { id: await freshItem(f) } })),
]

// ------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  t = await createTestApp()
  const user = await signUpAndIn(t)
  const other = await signUpAndIn(t)
  const admin = await signUpAndIn(t, { role: 'admin' })
  const created = await t.app.inject({
    method: 'POST',
    url: '/items',
    headers: user.auth,
    payload: { name: 'Teapot', price: 9.99 },
  })
  if (created.statusCode !== 201) throw new Error(`item fixture failed: ${created.body}`)
  fixtures = { user, other, admin, itemId: created.json().id }
})
afterAll(() => t.close())

function url(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined) throw new Error(`the row for ${template} gives no value for {${name}}`)
    return encodeURIComponent(value)
  })
}

async function call(row: Row, caller: Caller): Promise<LightMyRequestResponse> {
  const prepared = await row.prepare(fixtures)
  const [method, template = ''] = row.op.split(' ')
  const who =
    caller === 'anonymous'
      ? undefined
      : caller === 'user'
        ? (prepared.self ?? fixtures.user)
        : fixtures[caller]
  const options: InjectOptions = {
    method: method as InjectOptions['method'],
    url: url(template, prepared.params),
    headers: { ...who?.auth },
  }
  if (prepared.query) options.query = prepared.query
  if (prepared.json) options.payload = prepared.json
  if (prepared.form) {
    options.headers = { ...options.headers, 'content-type': 'application/x-www-form-urlencoded' }
    options.payload = new URLSearchParams(prepared.form).toString()
  }
  return t.app.inject(options)
}

describe('the authorisation matrix', () => {
  for (const r of MATRIX) {
    describe(r.op, () => {
      for (const caller of CALLERS) {
        const status = r.expected[caller]
        it(`${caller} → ${status}`, async () => {
          const res = await call(r, caller)
          expect(res.statusCode, res.body).toBe(status)
          if (status === 401) {
            problem(res, 401)
            expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="trestle"/)
            // RFC 6750 §3.1: a request without credentials gets no error code.
            if (caller === 'anonymous') expect(res.headers['www-authenticate']).not.toContain('error=')
          }
          if (status === 403) problem(res, 403)
        })
      }
    })
  }
})

// --- The table covers the API ---------------------------------------------------------------------------

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'trace'] // not head, options

interface OpenApiOperation {
  security?: Record<string, string[]>[]
}

async function documentedOperations(): Promise<Map<string, OpenApiOperation>> {
  const res = await t.app.inject({ url: '/openapi.json' })
  expect(res.statusCode).toBe(200)
  const paths = res.json().paths as Record<string, Record<string, OpenApiOperation>>
  const operations = new Map<string, OpenApiOperation>()
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (OPERATION_METHODS.includes(method)) operations.set(`${method.toUpperCase()} ${path}`, operation)
    }
  }
  return operations
}

describe('the matrix', () => {
  it('has exactly one row per operation of the OpenAPI document: add a row with every new route', async () => {
    const rows = MATRIX.map((r) => r.op)
    expect(new Set(rows).size, 'an operation has two rows').toBe(rows.length)
    const documented = [...(await documentedOperations()).keys()]
    expect([...rows].sort()).toEqual([...documented].sort())
  })

  it('expects 401 for anonymous callers exactly where the document declares security', async () => {
    const documented = await documentedOperations()
    const needsSignIn = (r: Row) => (documented.get(r.op)?.security?.length ?? 0) > 0
    for (const r of MATRIX) {
      expect({ op: r.op, secured: needsSignIn(r) }).toEqual({
        op: r.op,
        secured: r.expected.anonymous === 401,
      })
    }
  })

  it('really does stand for the routes of the app', () => {
    for (const r of MATRIX) {
      const [method, template = ''] = r.op.split(' ')
      const route = template.replace(/\{(\w+)\}/g, ':$1')
      expect(t.app.hasRoute({ method: method as 'GET', url: route }), r.op).toBe(true)
    }
  })
})
