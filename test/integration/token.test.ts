// POST /token, the OAuth2 password grant (RFC 6749 §4.3), and the tokens it issues.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadKeyRing } from '../../src/auth/keys.ts'
import {
  createTestApp,
  passwordGrant,
  problem,
  type SignedUp,
  signUpAndIn,
  type TestApp,
} from '../support/app.ts'

let t: TestApp
let alice: SignedUp

beforeAll(async () => {
  t = await createTestApp()
  alice = await signUpAndIn(t)
})
afterAll(() => t.close())

describe('POST /token with grant_type=password', () => {
  it('issues a bearer token with the RFC 6749 §5.1 response and Cache-Control: no-store', async () => {
    const res = await passwordGrant(t, { username: alice.username, password: alice.password })
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      refresh_token: expect.stringMatching(/^rt_[\w-]{43}$/),
      scope: 'items:read items:write',
    })
  })

  it('signs a JWT with Ed25519 under a kid, for this issuer and audience', async () => {
    const { access_token } = (
      await passwordGrant(t, { username: alice.username, password: alice.password })
    ).json()
    const header = decodeProtectedHeader(access_token)
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: expect.any(String) })
    const keys = await loadKeyRing(t.settings.DATA_DIR)
    const { payload } = await jwtVerify(access_token, createLocalJWKSet({ keys: keys.publicJwks }), {
      issuer: 'trestle',
      audience: 'trestle-api',
    })
    expect(payload.sub).toBe(alice.id)
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900)
  })

  it('accepts the username in any case', async () => {
    const res = await passwordGrant(t, { username: alice.username.toUpperCase(), password: alice.password })
    expect(res.statusCode).toBe(200)
  })

  it('grants only the scopes asked for, and never more than the role allows', async () => {
    const narrow = await passwordGrant(t, {
      username: alice.username,
      password: alice.password,
      scope: 'items:read',
    })
    expect(narrow.json().scope).toBe('items:read')
    const wide = await passwordGrant(t, {
      username: alice.username,
      password: alice.password,
      scope: 'items:write users:admin',
    })
    expect(wide.json().scope).toBe('items:write')
  })

  it('a token without items:write cannot create items (403 insufficient_scope)', async () => {
    const readOnly = (
      await passwordGrant(t, { username: alice.username, password: alice.password, scope: 'items:read' })
    ).json().access_token
    const res = await t.app.inject({
      method: 'POST',
      url: '/items/',
      headers: { authorization: `Bearer ${readOnly}` },
      payload: { name: 'Pen', price: 1 },
    })
    problem(res, 403)
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"')
    expect(res.headers['www-authenticate']).toContain('scope="items:write"')
  })
})

describe('POST /token errors (RFC 6749 §5.2)', () => {
  it('answers a wrong password and an unknown user identically', async () => {
    const wrong = await passwordGrant(t, { username: alice.username, password: 'wrong password' })
    const unknown = await passwordGrant(t, { username: 'nobody-here', password: 'wrong password' })
    expect(wrong.statusCode).toBe(400)
    expect(unknown.statusCode).toBe(400)
    expect(wrong.body).toBe(unknown.body)
    expect(wrong.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Incorrect username or password.',
    })
    expect(wrong.headers['cache-control']).toBe('no-store')
  })

  it('refuses a disabled account like a wrong password', async () => {
    const bob = await signUpAndIn(t)
    await t.container.database.db
      .updateTable('users')
      .set({ disabled: true })
      .where('id', '=', bob.id)
      .execute()
    const res = await passwordGrant(t, { username: bob.username, password: bob.password })
    expect(res.json().error).toBe('invalid_grant')
  })

  it('answers invalid_request when a field is missing', async () => {
    const res = await passwordGrant(t, { username: alice.username })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('invalid_request')
    const nothing = await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'scope=items:read',
    })
    expect(nothing.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'grant_type is missing.',
    })
  })

  it('takes a username and a password without grant_type as the password grant, as the original system did', async () => {
    const form = (fields: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      })
    const ok = await form({ username: alice.username, password: alice.password })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({ token_type: 'bearer', access_token: expect.any(String) })
    const wrong = await form({ username: alice.username, password: 'wrong password' })
    expect(wrong.json().error).toBe('invalid_grant')
  })

  it('answers invalid_request for a JSON body: the endpoint takes forms', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/token',
      payload: { grant_type: 'password', username: alice.username, password: alice.password },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('invalid_request')
  })

  it('answers unsupported_grant_type for other grants', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('unsupported_grant_type')
  })

  it('answers invalid_scope for an unknown scope', async () => {
    const res = await passwordGrant(t, {
      username: alice.username,
      password: alice.password,
      scope: 'items:steal',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('invalid_scope')
  })

  it('answers GET /token with a 405 problem naming POST', async () => {
    const res = await t.app.inject({ url: '/token' })
    problem(res, 405)
    expect(res.headers.allow).toBe('POST')
  })
})
