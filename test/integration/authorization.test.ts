// The authorisation matrix: every REST, GraphQL and WebSocket operation × every kind of caller, with the status
// each one gets. Every request is valid (body, path, content type), so the status is the authorisation decision
// and nothing else. A GraphQL answer counts as 401 or 403 when its error is UNAUTHENTICATED or FORBIDDEN; a /ws
// frame's answer as 200 when it is an ack (or a pong), 401 or 403 when it is an error `unauthenticated` or `forbidden`.
// The table must list exactly the operations of the OpenAPI document, the fields of the GraphQL schema and the
// client messages of the AsyncAPI document: an operation added without a row (or a row left behind) fails the
// suite. A WebSocket operation that does what a REST one does must be allowed to the same callers.
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestApp,
  passwordGrant,
  problem,
  type SignedUp,
  signUpAndIn,
  type TestApp,
} from '../support/app.ts'
import { type FakeProvider, startFakeProvider } from '../support/fake-rates.ts'
import { type Frame, injectWs } from '../support/ws.ts'

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
  /** A frame sent on a /ws connection opened as the caller (`WS …` rows). */
  ws?: Frame
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
  row('GET /rates',                                  200,  200,  200,  200, () => ({ query: { base: 'USD' } })),
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
  row('GRAPHQL query rates',                         200,  200,  200,  200, () => gq('{ rates { base rates { currency } } }')),
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
  // WebSocket: one row per client message of the AsyncAPI document, and for subscribe and unsubscribe one per
  // form of topic. The caller connects with its token in the Authorization header, or anonymously.
  row('WS subscribe items',                          200,  200,  200,  200, () => ws({ type: 'subscribe', topic: 'items' })),
  row('WS subscribe item:{id}',                      200,  200,  200,  200, (f) => ws({
    type: 'subscribe', topic: `item:${f.itemId}` })),
  row('WS subscribe notifications',                  401,  200,  200,  200, () => ws({ type: 'subscribe', topic: 'notifications' })),
  row('WS subscribe room:{name}',                    401,  200,  200,  200, () => ws({ type: 'subscribe', topic: 'room:lobby' })),
  row('WS unsubscribe items',                        200,  200,  200,  200, () => ws({ type: 'unsubscribe', topic: 'items' })),
  row('WS unsubscribe item:{id}',                    200,  200,  200,  200, (f) => ws({
    type: 'unsubscribe', topic: `item:${f.itemId}` })),
  row('WS unsubscribe notifications',                401,  200,  200,  200, () => ws({ type: 'unsubscribe', topic: 'notifications' })),
  row('WS unsubscribe room:{name}',                  401,  200,  200,  200, () => ws({ type: 'unsubscribe', topic: 'room:lobby' })),
  row('WS publish room:{name}',                      401,  200,  200,  200, () => ws({
    type: 'publish', topic: 'room:lobby', text: 'Hello, room!' })),
  // With `user`'s token: signs an anonymous connection in and renews user's own, but a connection signs in as
  // one user only.
  row('WS auth',                                     200,  200,  403,  403, (f) => ws({ type: 'auth', token: f.user.token })),
  row('WS ping',                                     200,  200,  200,  200, () => ws({ type: 'ping' })),
]

/** WebSocket operations and the REST and GraphQL operations that follow the same rule: the same callers pass. */
const SAME_RULE: Record<string, string[]> = {
  'WS subscribe items': ['GET /items', 'GRAPHQL query items'],
  'WS subscribe item:{id}': ['GET /items/{id}', 'GRAPHQL query item'],
  'WS subscribe notifications': ['GET /users/me', 'GRAPHQL query me'],
  'WS subscribe room:{name}': ['GET /rooms/{name}/messages', 'GRAPHQL query roomMessages'],
  'WS unsubscribe items': ['GET /items'],
  'WS unsubscribe item:{id}': ['GET /items/{id}'],
  'WS unsubscribe notifications': ['GET /users/me'],
  'WS unsubscribe room:{name}': ['GET /rooms/{name}/messages'],
  'WS publish room:{name}': ['POST /rooms/{name}/messages', 'GRAPHQL mutation postMessage'],
}

function gq(query: string, variables: Record<string, unknown> = {}): Prepared {
  return { graphql: { query, variables } }
}

function ws(frame: Frame): Prepared {
  return { ws: frame }
}

const isGraphQL = (r: Row) => r.op.startsWith('GRAPHQL ')
const isWs = (r: Row) => r.op.startsWith('WS ')
const isRest = (r: Row) => !isGraphQL(r) && !isWs(r)

// ------------------------------------------------------------------------------------------------------

// Exchange rates come from a fake provider on loopback, so that GET /rates answers.
let rates: FakeProvider

beforeAll(async () => {
  rates = await startFakeProvider('frankfurter')
  t = await createTestApp({ RATE_PROVIDERS: rates.entry })
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
afterAll(async () => {
  await t.close()
  await rates.close()
})

function url(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined) throw new Error(`the row for ${template} gives no value for {${name}}`)
    return encodeURIComponent(value)
  })
}

// A GraphQL answer's authorisation outcome, as the HTTP status a REST route would have given.
const GRAPHQL_STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403 }
// The same for a /ws error frame.
const WS_STATUS: Record<string, number> = { unauthenticated: 401, forbidden: 403 }

/** Sends one frame on a connection of its own (injectWS closes every in-process socket when one closes). */
async function sendWs(frame: Frame, headers: Record<string, string>) {
  const client = await injectWs(t.app, headers)
  try {
    client.send({ ...frame, id: 'cell' })
    const answer = await client.next(
      (f) => typeof f === 'object' && f.id === 'cell' && ['ack', 'pong', 'error'].includes(String(f.type)),
    )
    const { type, code } = answer as Frame & { code?: string }
    const statusCode = type === 'error' ? (WS_STATUS[String(code)] ?? 500) : 200
    return { statusCode, body: JSON.stringify(answer) }
  } finally {
    client.ws.terminate()
  }
}

async function call(
  row: Row,
  caller: Caller,
): Promise<{ statusCode: number; body: string; res: LightMyRequestResponse | undefined }> {
  const prepared = await row.prepare(fixtures)
  const [method, template = ''] = row.op.split(' ')
  const who =
    caller === 'anonymous'
      ? undefined
      : caller === 'user'
        ? (prepared.self ?? fixtures.user)
        : fixtures[caller]
  if (prepared.ws) return { ...(await sendWs(prepared.ws, { ...who?.auth })), res: undefined }
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
          if (!res || isGraphQL(r)) return
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
    const rows = MATRIX.filter(isRest).map((r) => r.op)
    const documented = [...(await documentedOperations()).keys()]
    expect([...rows].sort()).toEqual([...documented].sort())
  })

  it('expects 401 for anonymous callers exactly where the document declares security', async () => {
    const documented = await documentedOperations()
    const needsSignIn = (r: Row) => (documented.get(r.op)?.security?.length ?? 0) > 0
    for (const r of MATRIX.filter(isRest)) {
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
    for (const r of MATRIX.filter(isRest)) {
      const [method, template = ''] = r.op.split(' ')
      const route = template.replace(/\{(\w+)\}/g, ':$1')
      expect(t.app.hasRoute({ method: method as 'GET', url: route }), r.op).toBe(true)
    }
  })
})

// --- The WebSocket rows cover the AsyncAPI document and agree with REST and GraphQL ---------------------------

interface AsyncApiDocument {
  operations: Record<string, { action: string; messages: { $ref: string }[] }>
  components: { messages: Record<string, { payload: { properties?: { topic?: { examples?: string[] } } } }> }
}

async function asyncApi(): Promise<AsyncApiDocument> {
  const res = await t.app.inject({ url: '/asyncapi.json' })
  expect(res.statusCode).toBe(200)
  return res.json()
}

/** `WS subscribe room:{name}` → ['subscribe', 'room:{name}']. */
const wsParts = (r: Row) => r.op.split(' ').slice(1) as [string, string | undefined]

describe('the WebSocket rows', () => {
  it('have a row per client message of the AsyncAPI document', async () => {
    const doc = await asyncApi()
    const received = Object.values(doc.operations)
      .filter((op) => op.action === 'receive')
      .flatMap((op) => op.messages.map((m) => m.$ref.split('/').pop()))
      // Text that is not JSON is echoed to anyone: no sign-in, no rule.
      .filter((name) => name !== 'text')
    const rows = new Set(MATRIX.filter(isWs).map((r) => wsParts(r)[0]))
    expect([...rows].sort()).toEqual([...new Set(received)].sort())
  })

  it('subscribe and unsubscribe have a row per form of topic the document gives', async () => {
    const doc = await asyncApi()
    const examples = doc.components.messages.subscribe?.payload.properties?.topic?.examples ?? []
    expect(examples.length).toBeGreaterThan(0)
    for (const type of ['subscribe', 'unsubscribe']) {
      const templates = MATRIX.filter((r) => isWs(r) && wsParts(r)[0] === type).map(
        (r) => wsParts(r)[1] ?? '',
      )
      // `room:{name}` stands for every `room:…`.
      const forms = templates.map((tpl) => new RegExp(`^${tpl.replace(/\{\w+\}/g, '.+')}$`))
      for (const topic of examples)
        expect(
          forms.some((form) => form.test(topic)),
          `${type} ${topic}`,
        ).toBe(true)
      for (const [i, form] of forms.entries()) {
        expect(
          examples.some((topic) => form.test(topic)),
          `${type} ${templates[i]}`,
        ).toBe(true)
      }
    }
  })

  it('allow the same callers as the REST and GraphQL operations that follow the same rule', () => {
    const rows = new Map(MATRIX.map((r) => [r.op, r]))
    const allowed = (r: Row, caller: Caller) => r.expected[caller] < 300
    for (const [op, alike] of Object.entries(SAME_RULE)) {
      const ws = rows.get(op)
      expect(ws, op).toBeDefined()
      for (const other of alike) {
        const r = rows.get(other)
        expect(r, other).toBeDefined()
        if (!ws || !r) continue
        for (const caller of CALLERS) {
          expect({ op, other, caller, allowed: allowed(ws, caller) }).toEqual({
            op,
            other,
            caller,
            allowed: allowed(r, caller),
          })
        }
      }
    }
  })
})

// --- A bad token is refused on every transport, even where anonymous callers are welcome ----------------------

describe('a bad or expired token', () => {
  async function expiredToken(): Promise<string> {
    const signing = t.container.keys.signing
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ scope: 'items:read items:write', role: 'user', jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'EdDSA', kid: signing.kid, typ: 'at+jwt' })
      .setIssuer(t.settings.JWT_ISSUER)
      .setAudience(t.settings.JWT_AUDIENCE)
      .setSubject(fixtures.user.id)
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 60)
      .sign(signing.privateKey)
  }

  const tokens: [string, () => string | Promise<string>][] = [
    ['a token that is no JWT', () => 'not-a-token'],
    ['an expired token', expiredToken],
  ]

  for (const [name, make] of tokens) {
    it(`${name}: 401 over REST, UNAUTHENTICATED over GraphQL, 401 at the /ws upgrade, 4401 after an auth frame`, async () => {
      const token = await make()
      const bearer = { authorization: `Bearer ${token}` }
      problem(await t.app.inject({ url: '/items', headers: bearer }), 401)
      const graphql = await t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: bearer,
        payload: { query: '{ items(first: 1) { nodes { id } } }' },
      })
      expect(graphql.json().errors?.[0]?.extensions?.code, graphql.body).toBe('UNAUTHENTICATED')
      await expect(injectWs(t.app, bearer)).rejects.toThrow(/401/)
      await expect(injectWs(t.app, { 'sec-websocket-protocol': `bearer, ${token}` })).rejects.toThrow(/401/)
      const client = await injectWs(t.app)
      client.send({ type: 'auth', token, id: 'bad' })
      expect(await client.next()).toMatchObject({ type: 'error', id: 'bad', code: 'unauthenticated' })
      expect((await client.closed).code).toBe(4401)
    })
  }
})
