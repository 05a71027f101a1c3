// Admins: list accounts, change roles, disable accounts. Nobody else may.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestApp,
  passwordGrant,
  problem,
  type SignedUp,
  signIn,
  signUpAndIn,
  type TestApp,
} from '../support/app.ts'

let t: TestApp
let admin: SignedUp
let alice: SignedUp

beforeAll(async () => {
  t = await createTestApp()
  admin = await signUpAndIn(t, { role: 'admin' })
  alice = await signUpAndIn(t)
})
afterAll(() => t.close())

function listUsers(query: string, who: SignedUp = admin) {
  return t.app.inject({ url: `/users?${query}`, headers: who.auth })
}

function setAccount(id: string, payload: Record<string, unknown>, who: SignedUp = admin) {
  return t.app.inject({ method: 'PATCH', url: `/users/${id}`, headers: who.auth, payload })
}

describe('GET /users', () => {
  it('pages through every account, oldest first, with email and disabled flag', async () => {
    for (let i = 0; i < 3; i++) await signUpAndIn(t)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res = await listUsers(`limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body.users.length).toBeLessThanOrEqual(2)
      for (const u of body.users)
        expect(u).toMatchObject({ email: expect.any(String), disabled: expect.any(Boolean) })
      seen.push(...body.users.map((u: { id: string }) => u.id))
      cursor = body.next_cursor
    } while (cursor)
    expect(seen).toEqual([...seen].sort())
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen).toContain(admin.id)
    expect(seen).toContain(alice.id)
  })

  it('filters by role and by disabled flag', async () => {
    const admins = (await listUsers('role=admin&limit=100')).json().users
    expect(admins.map((u: { id: string }) => u.id)).toEqual([admin.id])
    const victim = await signUpAndIn(t)
    await setAccount(victim.id, { disabled: true })
    const disabled = (await listUsers('disabled=true&limit=100')).json().users
    expect(disabled.map((u: { id: string }) => u.id)).toEqual([victim.id])
  })

  it('is refused to users (403) and anonymous callers (401)', async () => {
    const res = await listUsers('', alice)
    problem(res, 403)
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"')
    problem(await t.app.inject({ url: '/users' }), 401)
  })
})

describe('PATCH /users/{id}', () => {
  it('promotes a user to admin; their next sign-in gets users:admin', async () => {
    const bob = await signUpAndIn(t)
    const res = await setAccount(bob.id, { role: 'admin' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ id: bob.id, role: 'admin', disabled: false })
    const token = (await passwordGrant(t, { username: bob.username, password: bob.password })).json()
    expect(token.scope).toBe('items:read items:write users:admin')
  })

  it('demotes an admin: their admin token loses its admin powers', async () => {
    const carol = await signUpAndIn(t, { role: 'admin' })
    const adminToken = await signIn(t, carol.username, carol.password)
    await setAccount(carol.id, { role: 'user' })
    const res = await t.app.inject({ url: '/users', headers: { authorization: `Bearer ${adminToken}` } })
    problem(res, 403)
  })

  it('disables an account: it can no longer sign in', async () => {
    const dave = await signUpAndIn(t)
    await setAccount(dave.id, { disabled: true })
    const res = await passwordGrant(t, { username: dave.username, password: dave.password })
    expect(res.json().error).toBe('invalid_grant')
    await setAccount(dave.id, { disabled: false })
    expect((await passwordGrant(t, { username: dave.username, password: dave.password })).statusCode).toBe(
      200,
    )
  })

  it('does not let admins demote or disable themselves', async () => {
    problem(await setAccount(admin.id, { role: 'user' }), 403)
    problem(await setAccount(admin.id, { disabled: true }), 403)
  })

  it('refuses anything but role and disabled, and users', async () => {
    const bad = problem(await setAccount(alice.id, { email: 'x@example.com' }), 422)
    expect(bad.errors?.[0]?.pointer).toBe('/email')
    problem(await setAccount(alice.id, { role: 'root' }), 422)
    problem(await setAccount(alice.id, { disabled: true }, alice), 403)
    problem(await setAccount('0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', { disabled: true }), 404)
  })
})
