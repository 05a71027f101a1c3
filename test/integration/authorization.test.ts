// The authorisation matrix: every REST and GraphQL operation × every kind of caller, with the status each
// one gets. Every request is valid (body, path, content type), so the status is the authorisation decision
// and nothing else. A GraphQL answer counts as 401 or 403 when its error is UNAUTHENTICATED or FORBIDDEN.
// The table must list exactly the operations of the OpenAPI document and the fields of the GraphQL schema:
// an operation added without a row (or a row left behind) fails the suite.
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
  /** A GraphQL operation's document and variables (`GRAPHQL …` rows). */
  graphql?: { query: string; variables?: Record<string, unknown> }
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
  row('PUT /items/{id}/watch',                       401,  204,  204,  204, (f) => ({
    params: { id: f.itemId } })),
  row('DELETE /items/{id}/watch',                    401,  204,  204,  204, (f) => ({
    params: { id: f.itemId } })),
  row('GET /rooms/{name}/messages',                   401,  200,  200,  200, () => ({
    params: { name: 'lobby' }, query: { limit: '5' } })),
  row('POST /rooms/{name}/messages',                  401,  201,  201,  201, () => ({
    params: { name: 'lobby' }, json: { text: 'Hello, room!' } })),
  // GraphQL: one row per Query and Mutation field.
  row('GRAPHQL query me',                            401,  200,  200,  200, () => gq('{ me { id } }')),
  row('GRAPHQL query user',                          200,  200,  200,  200, (f) => gq(
    'query($id: ID!) { user(id: $id) { id name email } }', { id: f.user.id })),
  row('GRAPHQL query users',                         401,  403,  403,  200, () => gq('{ users(first: 5) { nodes { id } } }')),
  row('GRAPHQL query item',                          200,  200,  200,  200, (f) => gq(
    'query($id: ID!) { item(id: $id) { id owner { id } } }', { id: f.itemId })),
  row('GRAPHQL query items',                         200,  200,  200,  200, () => gq('{ items(first: 5) { nodes { id } } }')),
  row('GRAPHQL query roomMessages',                  401,  200,  200,  200, () => gq(
    '{ roomMessages(room: "lobby", first: 5) { nodes { id } } }')),
  row('GRAPHQL mutation createItem',                 401,  200,  200,  200, () => gq(
    'mutation { createItem(input: { name: "Teapot", price: "9.99" }) { id } }')),
  row('GRAPHQL mutation updateItem',                 401,  200,  403,  200, (f) => gq(
    'mutation($id: ID!) { updateItem(id: $id, input: { price: "12.50" }) { id } }', { id: f.itemId })),
  row('GRAPHQL mutation deleteItem',                 401,  200,  403,  200, async (f) => gq(
    'mutation($id: ID!) { deleteItem(id: $id) }', { id: await freshItem(f) })),
  row('GRAPHQL mutation watchItem',                  401,  200,  200,  200, (f) => gq(
    'mutation($id: ID!) { watchItem(id: $id) }', { id: f.itemId })),
  row('GRAPHQL mutation unwatchItem',                401,  200,  200,  200, (f) => gq(
    'mutation($id: ID!) { unwatchItem(id: $id) }', { id: f.itemId })),
  row('GRAPHQL mutation postMessage',                401,  200,  200,  200, () => gq(
    'mutation { postMessage(room: "lobby", text: "Hello, room!") { id } }')),
  row('GRAPHQL mutation updateMe',                   401,  200,  200,  200, () => gq(
    'mutation { updateMe(input: { fullName: "Renamed" }) { id } }')),
  row('GRAPHQL mutation updateUser',                 401,  403,  403,  200, async () => {
    const { self, params } = await freshAccount()
    return { self, ...gq('mutation($id: ID!) { updateUser(id: $id, input: { disabled: true }) { id } }', params) }
  }),
  row('GRAPHQL mutation signOutEverywhere',          401,  200,  403,  200, async () => {
    const { self, params } = await freshAccount()
    return { self, ...gq('mutation($id: ID!) { signOutEverywhere(userId: $id) }', { id: params?.id }) }
  }),
]

function gq(query: string, variables: Record<string, unknown> = {}): Prepared {
  return { graphql: { query, variables } }
}

const isGraphQL = (r: Row) => r.op.startsWith('GRAPHQL ')

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

// A GraphQL answer's authorisation outcome, as the HTTP status a REST route would have given.
const GRAPHQL_STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403 }

async function call(
  row: Row,
  caller: Caller,
): Promise<{ statusCode: number; body: string; res: LightMyRequestResponse }> {
  const prepared = await row.prepare(fixtures)
  const [method, template = ''] = row.op.split(' ')
  const who =
    caller === 'anonymous'
      ? undefined
      : caller === 'user'
        ? (prepared.self ?? fixtures.user)
        : fixtures[caller]
  if (prepared.graphql) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { ...who?.auth },
      payload: prepared.graphql,
    })
    const code = res.json().errors?.[0]?.extensions?.code as string | undefined
    return {
      statusCode: code === undefined ? res.statusCode : (GRAPHQL_STATUS[code] ?? 500),
      body: res.body,
      res,
    }
  }
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
  const res = await t.app.inject(options)
  return { statusCode: res.statusCode, body: res.body, res }
}

describe('the authorisation matrix', () => {
  for (const r of MATRIX) {
    describe(r.op, () => {
      for (const caller of CALLERS) {
        const status = r.expected[caller]
        it(`${caller} → ${status}`, async () => {
          const { statusCode, body, res } = await call(r, caller)
          expect(statusCode, body).toBe(status)
          if (isGraphQL(r)) return
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
    const all = MATRIX.map((r) => r.op)
    expect(new Set(all).size, 'an operation has two rows').toBe(all.length)
    const rows = MATRIX.filter((r) => !isGraphQL(r)).map((r) => r.op)
    const documented = [...(await documentedOperations()).keys()]
    expect([...rows].sort()).toEqual([...documented].sort())
  })

  it('expects 401 for anonymous callers exactly where the document declares security', async () => {
    const documented = await documentedOperations()
    const needsSignIn = (r: Row) => (documented.get(r.op)?.security?.length ?? 0) > 0
    for (const r of MATRIX.filter((row) => !isGraphQL(row))) {
      expect({ op: r.op, secured: needsSignIn(r) }).toEqual({
        op: r.op,
        secured: r.expected.anonymous === 401,
      })
    }
  })

  it('has exactly one row per Query and Mutation field of the GraphQL schema', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: '{ __schema { queryType { fields { name } } mutationType { fields { name } } } }' },
    })
    const schema = res.json().data.__schema
    const fields = [
      ...schema.queryType.fields.map((f: { name: string }) => `GRAPHQL query ${f.name}`),
      ...schema.mutationType.fields.map((f: { name: string }) => `GRAPHQL mutation ${f.name}`),
    ]
    expect(
      MATRIX.filter(isGraphQL)
        .map((r) => r.op)
        .sort(),
    ).toEqual(fields.sort())
  })

  it('really does stand for the routes of the app', () => {
    for (const r of MATRIX.filter((row) => !isGraphQL(row))) {
      const [method, template = ''] = r.op.split(' ')
      const route = template.replace(/\{(\w+)\}/g, ':$1')
      expect(t.app.hasRoute({ method: method as 'GET', url: route }), r.op).toBe(true)
    }
  })
})
