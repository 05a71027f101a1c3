// A stock OAuth2 client (simple-oauth2) and a stock JOSE library against the real server process over
// HTTP: password grant, refresh-token rotation and reuse detection, RFC 7009 revocation, JWKS, RFC 8414.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { type AccessToken, ResourceOwnerPassword } from 'simple-oauth2'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'

const PASSWORD = 'correct horse battery'
const SCOPES = ['items:read', 'items:write']

let database: TestDatabase
let server: ServerProcess
let client: ResourceOwnerPassword
let counter = 0

interface User {
  id: string
  username: string
}

async function signUp(): Promise<User> {
  counter += 1
  const username = `oauth${counter}_${process.pid}`
  const res = await fetch(`${server.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, email: `${username}@example.com`, password: PASSWORD }),
  })
  expect(res.status, await res.clone().text()).toBe(201)
  const body = (await res.json()) as { id: string; username: string }
  expect(body.username).toBe(username)
  return { id: body.id, username }
}

function signIn(user: User): Promise<AccessToken> {
  return client.getToken({ username: user.username, password: PASSWORD, scope: SCOPES })
}

function str(token: AccessToken, name: 'access_token' | 'refresh_token'): string {
  const value = token.token[name]
  if (typeof value !== 'string' || value === '')
    throw new Error(`no ${name} in ${JSON.stringify(token.token)}`)
  return value
}

async function me(accessToken: string): Promise<Response> {
  return fetch(`${server.url}/users/me`, { headers: { authorization: `Bearer ${accessToken}` } })
}

async function postForm(path: string, fields: Record<string, string>) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) }
}

function rawRefresh(refreshToken: string) {
  return postForm('/token', { grant_type: 'refresh_token', refresh_token: refreshToken })
}

/** The RFC 6749 §5.2 error a simple-oauth2 call was rejected with (Wreck puts the parsed body in data). */
async function oauthError(promise: Promise<unknown>): Promise<{ status: number; error: string }> {
  try {
    await promise
  } catch (error) {
    const boom = error as { output?: { statusCode: number }; data?: { payload?: { error?: string } } }
    return { status: boom.output?.statusCode ?? 0, error: String(boom.data?.payload?.error) }
  }
  throw new Error('the call succeeded')
}

beforeAll(async () => {
  database = await createTestDatabase()
  server = await startServer({ dataDir: database.dataDir, databaseUrl: database.databaseUrl })
  client = new ResourceOwnerPassword({
    // Every client of Trestle is public: client_id is accepted and ignored, there is no secret.
    client: { id: 'trestle-docs', secret: '' },
    auth: { tokenHost: server.url, tokenPath: '/token', revokePath: '/token/revoke' },
    options: { authorizationMethod: 'body' },
  })
})

afterAll(async () => {
  try {
    if (server) {
      const code = await server.stop()
      expect(code, server.output()).toBe(0)
    }
  } finally {
    await database?.cleanup()
  }
})

describe('simple-oauth2 against the running server', () => {
  it('signs up over HTTP, gets tokens with the password grant and calls /users/me', async () => {
    const user = await signUp()
    const token = await signIn(user)
    expect(token.token).toMatchObject({
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(/^rt_/),
      expires_in: expect.any(Number),
      token_type: 'bearer',
      scope: 'items:read items:write',
    })
    expect(token.token.expires_in).toBeGreaterThan(0)
    expect(token.expired()).toBe(false)

    const res = await me(str(token, 'access_token'))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: user.id, username: user.username })
  })

  it('a wrong password is invalid_grant through the library', async () => {
    const user = await signUp()
    const rejected = await oauthError(
      client.getToken({ username: user.username, password: 'wrong password!' }),
    )
    expect(rejected).toEqual({ status: 400, error: 'invalid_grant' })
  })

  it('refreshes with rotation; a reused refresh token revokes the whole family', async () => {
    const user = await signUp()
    const first = await signIn(user)
    const refreshed = await first.refresh()

    const oldAccess = str(first, 'access_token')
    const oldRefresh = str(first, 'refresh_token')
    const newAccess = str(refreshed, 'access_token')
    const newRefresh = str(refreshed, 'refresh_token')
    expect(newAccess).not.toBe(oldAccess)
    expect(newRefresh).not.toBe(oldRefresh)
    expect(refreshed.token.scope).toBe('items:read items:write')

    const res = await me(newAccess)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: user.id, username: user.username })

    // The old refresh token was used once: presenting it again is reuse.
    const reused = await rawRefresh(oldRefresh)
    expect(reused.status, reused.text).toBe(400)
    expect(reused.headers.get('cache-control')).toBe('no-store')
    expect(reused.json()).toMatchObject({ error: 'invalid_grant' })

    // ...and it revoked the family: the new refresh token, never used, is dead too.
    const afterReuse = await rawRefresh(newRefresh)
    expect(afterReuse.status, afterReuse.text).toBe(400)
    expect(afterReuse.json()).toMatchObject({ error: 'invalid_grant' })
    expect(await oauthError(refreshed.refresh())).toEqual({ status: 400, error: 'invalid_grant' })

    // Access tokens are JWTs that simply expire: the one already issued still works.
    expect((await me(newAccess)).status).toBe(200)

    // The reuse is logged at warn, naming the user but no token.
    await vi.waitFor(() => expect(server.output()).toContain('refresh token reused'), { timeout: 2000 })
    expect(server.output()).toContain(user.id)
    for (const secret of [oldRefresh, newRefresh, PASSWORD]) expect(server.output()).not.toContain(secret)
  })

  it('revokes the refresh token with the library (RFC 7009), after which it cannot refresh', async () => {
    const user = await signUp()
    const token = await signIn(user)
    const refreshToken = str(token, 'refresh_token')

    // With the library's defaults: the endpoint answers a JSON body, as JSON-only clients expect.
    await token.revoke('refresh_token')

    expect(await oauthError(token.refresh())).toEqual({ status: 400, error: 'invalid_grant' })
    const raw = await rawRefresh(refreshToken)
    expect(raw.status, raw.text).toBe(400)
    expect(raw.json()).toMatchObject({ error: 'invalid_grant' })

    // Revoking again, or revoking an unknown token, still answers 200 (nothing is revealed).
    const again = await postForm('/token/revoke', { token: refreshToken, token_type_hint: 'refresh_token' })
    expect(again.status).toBe(200)
    const unknown = await postForm('/token/revoke', { token: 'rt_not-a-real-token' })
    expect(unknown.status).toBe(200)
  })

  it('verifies a fresh access token with nothing but the server JWKS', async () => {
    const user = await signUp()
    const token = await signIn(user)
    const accessToken = str(token, 'access_token')

    const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', server.url))
    const { payload, protectedHeader } = await jwtVerify(accessToken, jwks, {
      issuer: 'trestle',
      audience: 'trestle-api',
      algorithms: ['EdDSA'],
    })
    expect(payload.sub).toBe(user.id)
    expect(payload.scope).toBe('items:read items:write')
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' })

    const res = await fetch(new URL('/.well-known/jwks.json', server.url))
    expect(res.status).toBe(200)
    const { keys } = (await res.json()) as { keys: { kid: string; d?: string }[] }
    const kid = decodeProtectedHeader(accessToken).kid
    expect(kid).toEqual(expect.any(String))
    expect(keys.map((k) => k.kid)).toContain(kid)
    // Public keys only.
    for (const key of keys) expect(key.d).toBeUndefined()

    // The wrong audience is refused by the same key set.
    await expect(jwtVerify(accessToken, jwks, { audience: 'someone-else' })).rejects.toThrow()
  })

  it('publishes RFC 8414 metadata whose endpoints work', async () => {
    const res = await fetch(`${server.url}/.well-known/oauth-authorization-server`)
    expect(res.status).toBe(200)
    const meta = (await res.json()) as Record<string, unknown>
    expect(meta.issuer).toBe('trestle')
    expect(meta.token_endpoint).toBe(`${server.url}/token`)
    expect(meta.revocation_endpoint).toBe(`${server.url}/token/revoke`)
    expect(meta.grant_types_supported).toEqual(['password', 'refresh_token'])
    for (const name of ['token_endpoint', 'revocation_endpoint', 'jwks_uri'] as const) {
      const value = new URL(String(meta[name]))
      expect(value.origin).toBe(server.url)
    }

    const jwks = await fetch(String(meta.jwks_uri))
    expect(jwks.status).toBe(200)
    const { keys } = (await jwks.json()) as { keys: unknown[] }
    expect(keys.length).toBeGreaterThan(0)

    // A client configured from the metadata alone can sign in.
    const user = await signUp()
    const fromMetadata = new ResourceOwnerPassword({
      client: { id: 'trestle-docs', secret: '' },
      auth: {
        tokenHost: new URL(String(meta.token_endpoint)).origin,
        tokenPath: new URL(String(meta.token_endpoint)).pathname,
        revokePath: new URL(String(meta.revocation_endpoint)).pathname,
      },
      options: { authorizationMethod: 'body' },
    })
    const token = await fromMetadata.getToken({ username: user.username, password: PASSWORD })
    expect((await me(str(token, 'access_token'))).status).toBe(200)
  })
})
