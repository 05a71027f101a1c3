// Refresh tokens: rotation on every use, reuse detection (RFC 9700 §4.14.2), revocation (RFC 7009).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestApp,
  passwordGrant,
  postForm,
  problem,
  refreshGrant,
  type SignedUp,
  signUpAndIn,
  type TestApp,
} from '../support/app.ts'

let t: TestApp
let admin: SignedUp

beforeAll(async () => {
  t = await createTestApp()
  admin = await signUpAndIn(t, { role: 'admin' })
})
afterAll(() => t.close())

/** Signs a new user in and returns their first refresh token. */
async function signIn(scope?: string) {
  const user = await signUpAndIn(t)
  const res = await passwordGrant(t, {
    username: user.username,
    password: user.password,
    ...(scope && { scope }),
  })
  return { user, tokens: res.json() as { access_token: string; refresh_token: string; scope: string } }
}

function me(accessToken: string) {
  return t.app.inject({ url: '/users/me', headers: { authorization: `Bearer ${accessToken}` } })
}

describe('grant_type=refresh_token', () => {
  it('exchanges a refresh token for a new access token and a new refresh token', async () => {
    const { user, tokens } = await signIn()
    const res = await refreshGrant(t, tokens.refresh_token)
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
    const next = res.json()
    expect(next).toMatchObject({ token_type: 'bearer', scope: 'items:read items:write', expires_in: 900 })
    expect(next.refresh_token).not.toBe(tokens.refresh_token)
    expect((await me(next.access_token)).json().id).toBe(user.id)
  })

  it('stores only a hash of the refresh token', async () => {
    const { tokens } = await signIn()
    const rows = await t.container.database.db.selectFrom('refresh_tokens').select('token_hash').execute()
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) expect(row.token_hash).not.toContain(tokens.refresh_token)
    expect(rows.map((r) => r.token_hash)).not.toContain(tokens.refresh_token)
  })

  it('rotates: the old refresh token stops working', async () => {
    const { tokens } = await signIn()
    expect((await refreshGrant(t, tokens.refresh_token)).statusCode).toBe(200)
    const again = await refreshGrant(t, tokens.refresh_token)
    expect(again.statusCode).toBe(400)
    expect(again.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'The refresh token is invalid, expired or revoked.',
    })
  })

  it('revokes the whole family when a rotated token is presented again', async () => {
    const { tokens } = await signIn()
    const second = (await refreshGrant(t, tokens.refresh_token)).json().refresh_token
    const third = (await refreshGrant(t, second)).json().refresh_token
    // An attacker replays the first token: everyone holding this family is signed out.
    expect((await refreshGrant(t, tokens.refresh_token)).json().error).toBe('invalid_grant')
    expect((await refreshGrant(t, third)).json().error).toBe('invalid_grant')
  })

  it('lets exactly one of two concurrent uses of the same token through', async () => {
    const { tokens } = await signIn()
    const results = await Promise.all([
      refreshGrant(t, tokens.refresh_token),
      refreshGrant(t, tokens.refresh_token),
    ])
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400])
    // The winner's new token belongs to a family now revoked for reuse.
    const winner = results.find((r) => r.statusCode === 200)?.json().refresh_token
    expect((await refreshGrant(t, winner)).json().error).toBe('invalid_grant')
  })

  it('may narrow the scope, never widen it', async () => {
    const { tokens } = await signIn('items:read')
    const wider = await refreshGrant(t, tokens.refresh_token, { scope: 'items:read items:write' })
    expect(wider.json().error).toBe('invalid_scope')
    // A refused request leaves the token usable.
    const same = await refreshGrant(t, tokens.refresh_token, { scope: 'items:read' })
    expect(same.json().scope).toBe('items:read')
  })

  it('refuses unknown and missing refresh tokens', async () => {
    expect((await refreshGrant(t, 'rt_not-a-token')).json().error).toBe('invalid_grant')
    const missing = await postForm(t, '/token', { grant_type: 'refresh_token' })
    expect(missing.json().error).toBe('invalid_request')
  })

  it('expires a sign-in REFRESH_TOKEN_TTL after it started, however often it was rotated', async () => {
    const { tokens } = await signIn()
    await t.container.database.db
      .updateTable('refresh_tokens')
      .set({ expires_at: '2000-01-01T00:00:00.000Z' })
      .execute()
    expect((await refreshGrant(t, tokens.refresh_token)).json().error).toBe('invalid_grant')
  })
})

describe('POST /token/revoke (RFC 7009)', () => {
  it('revokes a refresh token: refreshing with it then fails', async () => {
    const { tokens } = await signIn()
    const res = await postForm(t, '/token/revoke', {
      token: tokens.refresh_token,
      token_type_hint: 'refresh_token',
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({})
    expect((await refreshGrant(t, tokens.refresh_token)).json().error).toBe('invalid_grant')
  })

  it('answers 200 for a token it does not know', async () => {
    expect((await postForm(t, '/token/revoke', { token: 'garbage' })).statusCode).toBe(200)
  })

  it('answers invalid_request without a token', async () => {
    const res = await postForm(t, '/token/revoke', {})
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('invalid_request')
  })
})

describe('signing a user out everywhere', () => {
  it('happens when the password changes', async () => {
    const { user, tokens } = await signIn()
    const change = await t.app.inject({
      method: 'PATCH',
      url: '/users/me',
      headers: user.auth,
      payload: { password: 'another long passphrase', current_password: user.password },
    })
    expect(change.statusCode).toBe(200)
    expect((await refreshGrant(t, tokens.refresh_token)).json().error).toBe('invalid_grant')
  })

  it('happens when an admin disables the account, and its access tokens stop working at once', async () => {
    const { user, tokens } = await signIn()
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: admin.auth,
      payload: { disabled: true },
    })
    expect(res.json().disabled).toBe(true)
    expect((await refreshGrant(t, tokens.refresh_token)).json().error).toBe('invalid_grant')
    const denied = await me(tokens.access_token)
    problem(denied, 401)
    expect(denied.headers['www-authenticate']).toContain('error="invalid_token"')
  })

  it('happens on POST /users/{id}/sign-out, by the user or an admin', async () => {
    const a = await signIn()
    expect(
      (await t.app.inject({ method: 'POST', url: `/users/${a.user.id}/sign-out`, headers: a.user.auth }))
        .statusCode,
    ).toBe(204)
    expect((await refreshGrant(t, a.tokens.refresh_token)).json().error).toBe('invalid_grant')
    const b = await signIn()
    expect(
      (await t.app.inject({ method: 'POST', url: `/users/${b.user.id}/sign-out`, headers: admin.auth }))
        .statusCode,
    ).toBe(204)
    expect((await refreshGrant(t, b.tokens.refresh_token)).json().error).toBe('invalid_grant')
  })
})
