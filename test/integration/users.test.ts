// Accounts: sign-up, your own account, public profiles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, problem, type SignedUp, signIn, signUpAndIn, type TestApp } from '../support/app.ts'

let t: TestApp
let alice: SignedUp

beforeAll(async () => {
  t = await createTestApp()
  alice = await signUpAndIn(t)
})
afterAll(() => t.close())

function signUp(payload: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: '/users', payload })
}

describe('POST /users (sign-up)', () => {
  it('creates a user, lower-casing the username, and names it in Location', async () => {
    const res = await signUp({
      username: 'Carol.B',
      email: 'Carol@Example.com',
      password: 'long enough',
      full_name: 'Carol',
    })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(res.headers.location).toBe(`/users/${body.id}`)
    expect(body).toMatchObject({
      username: 'carol.b',
      email: 'carol@example.com',
      full_name: 'Carol',
      role: 'user',
    })
    expect(body).not.toHaveProperty('password_hash')
    expect(body).not.toHaveProperty('password')
  })

  it('refuses a taken username whatever its case, and a taken email, with 409', async () => {
    await signUp({ username: 'dave', email: 'dave@example.com', password: 'long enough' })
    const sameName = problem(
      await signUp({ username: 'DAVE', email: 'other@example.com', password: 'long enough' }),
      409,
    )
    expect(sameName.detail).toContain('username')
    const sameEmail = problem(
      await signUp({ username: 'dave2', email: 'DAVE@example.com', password: 'long enough' }),
      409,
    )
    expect(sameEmail.detail).toContain('email')
  })

  it('refuses a role in the body instead of writing it (no mass assignment)', async () => {
    const res = await signUp({
      username: 'mallory',
      email: 'm@example.com',
      password: 'long enough',
      role: 'admin',
    })
    const body = problem(res, 422)
    expect(body.errors).toEqual([{ in: 'body', pointer: '/role', detail: 'is not a known field' }])
    const lookup = await t.container.database.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'mallory')
      .execute()
    expect(lookup).toEqual([])
  })

  it('names every invalid field once', async () => {
    const body = problem(await signUp({ username: 'x', email: 'not-an-email', password: 'short' }), 422)
    expect(body.errors?.map((e) => e.pointer).sort()).toEqual(['/email', '/password', '/username'])
  })

  it('applies the password length limits of NIST SP 800-63B (8 to 128)', async () => {
    const long = problem(
      await signUp({ username: 'longpw', email: 'l@example.com', password: 'x'.repeat(129) }),
      422,
    )
    expect(long.errors?.[0]?.pointer).toBe('/password')
    const ok = await signUp({ username: 'pw8', email: 'pw8@example.com', password: '12345678' })
    expect(ok.statusCode).toBe(201)
  })

  it('stores an argon2id hash with the OWASP parameters', async () => {
    const row = await t.container.database.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', alice.id)
      .executeTakeFirstOrThrow()
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  })

  it('is closed to anonymous callers when ALLOW_SIGNUP=false, but open to admins', async () => {
    const closed = await createTestApp({ ALLOW_SIGNUP: 'false' })
    try {
      const res = await closed.app.inject({
        method: 'POST',
        url: '/users',
        payload: { username: 'eve', email: 'eve@example.com', password: 'long enough' },
      })
      expect(problem(res, 403).detail).toMatch(/closed/)
    } finally {
      await closed.close()
    }
  })
})

describe('GET /users/me', () => {
  it('returns the caller, email and role included', async () => {
    const res = await t.app.inject({ url: '/users/me', headers: alice.auth })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ id: alice.id, username: alice.username, role: 'user' })
  })

  it('answers 401 with a Bearer challenge without a token', async () => {
    const res = await t.app.inject({ url: '/users/me' })
    problem(res, 401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="trestle"')
  })

  it('answers 401 invalid_token for a forged or garbage token', async () => {
    const [header, payload] = alice.token.split('.')
    for (const token of ['garbage', `${header}.${payload}.AAAA`, `${header}.${payload}`]) {
      const res = await t.app.inject({ url: '/users/me', headers: { authorization: `Bearer ${token}` } })
      problem(res, 401)
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
    }
  })

  it('treats the scheme name case-insensitively (RFC 6750)', async () => {
    const res = await t.app.inject({ url: '/users/me', headers: { authorization: `bearer ${alice.token}` } })
    expect(res.statusCode).toBe(200)
  })
})

describe('PATCH /users/me', () => {
  it('changes the display name and email', async () => {
    const me = await signUpAndIn(t)
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/users/me',
      headers: me.auth,
      payload: { full_name: 'New Name', email: `NEW-${me.username}@example.com` },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ full_name: 'New Name', email: `new-${me.username}@example.com` })
  })

  it('changes the password only with the current one', async () => {
    const me = await signUpAndIn(t)
    const missing = await t.app.inject({
      method: 'PATCH',
      url: '/users/me',
      headers: me.auth,
      payload: { password: 'a brand new passphrase' },
    })
    expect(problem(missing, 422).errors?.[0]?.pointer).toBe('/current_password')
    const wrong = await t.app.inject({
      method: 'PATCH',
      url: '/users/me',
      headers: me.auth,
      payload: { password: 'a brand new passphrase', current_password: 'not it at all' },
    })
    expect(problem(wrong, 422).errors?.[0]?.pointer).toBe('/current_password')
    const right = await t.app.inject({
      method: 'PATCH',
      url: '/users/me',
      headers: me.auth,
      payload: { password: 'a brand new passphrase', current_password: me.password },
    })
    expect(right.statusCode).toBe(200)
    await expect(signIn(t, me.username, 'a brand new passphrase')).resolves.toBeTypeOf('string')
    await expect(signIn(t, me.username, me.password)).rejects.toThrow(/sign-in failed/)
  })

  it('refuses role changes and unknown fields', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/users/me',
      headers: alice.auth,
      payload: { role: 'admin' },
    })
    expect(problem(res, 422).errors).toEqual([
      { in: 'body', pointer: '/role', detail: 'is not a known field' },
    ])
    const me = await t.app.inject({ url: '/users/me', headers: alice.auth })
    expect(me.json().role).toBe('user')
  })

  it('answers 409 for an email another account has', async () => {
    const other = await signUpAndIn(t)
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/users/me',
      headers: other.auth,
      payload: { email: `${alice.username}@example.com` },
    })
    problem(res, 409)
  })

  it('needs a token', async () => {
    problem(await t.app.inject({ method: 'PATCH', url: '/users/me', payload: { full_name: 'x' } }), 401)
  })
})

describe('GET /users/{id}', () => {
  it('shows anyone the public profile, without email or role', async () => {
    const res = await t.app.inject({ url: `/users/${alice.id}` })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      id: alice.id,
      username: alice.username,
      full_name: null,
      created_at: expect.any(String),
    })
  })

  it('answers 404 for an unknown id and 422 for a malformed one', async () => {
    problem(await t.app.inject({ url: '/users/0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f' }), 404)
    const bad = problem(await t.app.inject({ url: '/users/42' }), 422)
    expect(bad.errors).toEqual([{ in: 'path', pointer: '/id', detail: expect.any(String) }])
  })
})
