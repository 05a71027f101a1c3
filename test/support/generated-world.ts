// What the generated-input suites share: an app (with fake exchange-rate providers, so conversion has rates),
// callers of every kind, and the run-time values generated requests may pick (real ids, the current ETag, a
// live refresh token, a real username and password). `refresh()` puts the fixtures back after a run that
// changed them (a caller disabled, the item deleted), so every run starts from callers that work.
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose'
import { hashToken } from '../../src/auth/refresh-tokens.ts'
import { createTestApp, passwordGrant, type SignedUp, signUpAndIn, type TestApp } from './app.ts'
import { type FakeProvider, providersSetting, startFakeProviders } from './fake-rates.ts'
import { itemCalls, NO_SUCH_ID } from './items.ts'
import type { Hints } from './openapi-requests.ts'

export interface World {
  t: TestApp
  /** Caller name → its Authorization header (none for `anonymous`). */
  callers: Record<string, string | undefined>
  user: SignedUp
  admin: SignedUp
  hints(): Hints
  refresh(): Promise<void>
  close(): Promise<void>
}

/** A token with the right claims and header, signed with a key the server never issued. */
async function forged(token: string): Promise<string> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const header = decodeProtectedHeader(token)
  return new SignJWT(decodeJwt(token)).setProtectedHeader({ ...header, alg: 'EdDSA' }).sign(privateKey)
}

export async function createWorld(): Promise<World> {
  const fakes: Record<string, FakeProvider> = await startFakeProviders()
  const t = await createTestApp({
    RATE_PROVIDERS: providersSetting(...Object.values(fakes)),
    // Accounts are read on every request, so that a fixture put back by refresh() counts at once.
    ACCOUNT_CACHE_TTL: '0',
    // Load shedding is not under test here: on a busy CI machine a slow second would make every answer a 503.
    SHED_EVENT_LOOP_DELAY: '0',
    SHED_HEAP_RATIO: '0',
  })
  const db = t.container.database.db
  const [user, other, admin, victim] = [
    await signUpAndIn(t),
    await signUpAndIn(t),
    await signUpAndIn(t, { role: 'admin' }),
    await signUpAndIn(t),
  ] as [SignedUp, SignedUp, SignedUp, SignedUp]
  const callers: Record<string, string | undefined> = {
    anonymous: undefined,
    garbage: 'Bearer not.a.token',
    malformed: 'Bearer two words',
    forged: `Bearer ${await forged(user.token)}`,
    basic: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
    user: user.auth.authorization,
    other: other.auth.authorization,
    admin: admin.auth.authorization,
  }
  // The victim too: disabled by a generated admin call, it could not sign in for the refresh-token fixture.
  const accounts = [user, other, admin, victim]
  const accountRows = () =>
    db
      .selectFrom('users')
      .selectAll()
      .where(
        'id',
        'in',
        accounts.map((a) => a.id),
      )
      .execute()
  const saved = await accountRows()

  const items = itemCalls(() => t)
  const createItem = async () => (await items.create(user, { name: 'Fixture teapot', tags: ['tea'] })).id
  let itemId = await createItem()
  await createItem()
  const page = await t.app.inject({ url: '/items?limit=1' })
  const itemsCursor = page.json().next_cursor as string
  for (const text of ['first', 'second']) {
    await t.app.inject({
      method: 'POST',
      url: '/rooms/lobby/messages',
      headers: user.auth,
      payload: { text },
    })
  }
  const messages = await t.app.inject({ url: '/rooms/lobby/messages?limit=1', headers: user.auth })
  const messagesCursor = messages.json().next_cursor as string
  let version = 1
  let refreshToken = ''

  const freshRefreshToken = async () => {
    // From an address of its own: generated sign-ins from 127.0.0.1 may have that address throttled.
    const res = await passwordGrant(t, { username: victim.username, password: victim.password }, '127.0.0.2')
    if (res.statusCode !== 200) throw new Error(`victim sign-in failed: ${res.body}`)
    return res.json().refresh_token as string
  }

  async function refresh() {
    // Callers exactly as they were: role, disabled flag, credentials.
    const now = await accountRows()
    for (const row of saved) {
      const current = now.find((r) => r.id === row.id)
      if (JSON.stringify(current) === JSON.stringify(row)) continue
      await db.updateTable('users').set(row).where('id', '=', row.id).execute()
      t.container.authenticator.forget(row.id)
    }
    const item = await db.selectFrom('items').select('version').where('id', '=', itemId).executeTakeFirst()
    if (item) version = item.version
    else {
      itemId = await createItem()
      version = 1
    }
    const token = await db
      .selectFrom('refresh_tokens')
      .select(['used_at', 'revoked_at'])
      .where('token_hash', '=', hashToken(refreshToken))
      .executeTakeFirst()
    if (!token || token.used_at || token.revoked_at) refreshToken = await freshRefreshToken()
  }
  await refresh()

  return {
    t,
    callers,
    user,
    admin,
    hints: () => ({
      id: [itemId, victim.id, user.id, NO_SUCH_ID, itemId.toUpperCase()],
      owner: [user.id],
      '/items cursor': [itemsCursor],
      '/users cursor': [victim.id],
      '/rooms/{name}/messages cursor': [messagesCursor],
      name: ['lobby', 'general'],
      'if-match': [`"${version}"`, `"${version + 7}"`, '*', `W/"${version}"`, `"${version}", "x"`],
      'if-none-match': [`"${version}"`, '"0"', '*', `W/"${version}"`],
      currency: ['EUR', 'JPY', 'usd', 'KWD'],
      base: ['EUR', 'GBP'],
      // Never the victim's: generated failures lock the account they name, and the victim signs in here.
      username: [user.username, user.username.toUpperCase(), 'nobody'],
      email: [`${victim.username}@example.com`],
      password: [user.password, 'wrong password'],
      current_password: [user.password],
      grant_type: ['password', 'refresh_token', 'client_credentials'],
      scope: ['items:read', 'items:write users:admin', 'nonsense'],
      refresh_token: [refreshToken],
      token: [refreshToken],
      token_type_hint: ['refresh_token', 'access_token'],
    }),
    refresh,
    async close() {
      await t.close()
      await Promise.all(Object.values(fakes).map((f) => f.close()))
    },
  }
}
