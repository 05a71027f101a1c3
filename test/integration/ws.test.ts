// /ws in process (injectWS), on both databases: the original echo, every error a client can cause (the
// connection stays open), sign-in three ways, public and private topics, rooms with history and presence,
// resume after a reconnect, and the limits that protect the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TokenService } from '../../src/auth/tokens.ts'
import { createTestApp, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import { itemCalls } from '../support/items.ts'
import { connectWs, type Frame, injectWs, isType, type WsClient } from '../support/ws.ts'

let t: TestApp
let alice: SignedUp
let bob: SignedUp
const open: WsClient[] = []

beforeAll(async () => {
  t = await createTestApp({ ACCOUNT_CACHE_TTL: '1' })
  alice = await signUpAndIn(t)
  bob = await signUpAndIn(t)
})
afterAll(async () => {
  for (const c of open) c.ws.terminate()
  await t.close()
})

async function connect(headers: Record<string, string> = {}): Promise<WsClient> {
  const client = await injectWs(t.app, headers)
  open.push(client)
  return client
}

let url: string | undefined
async function listening(): Promise<string> {
  if (!url) {
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`
  }
  return url
}

async function tcp(at: string, headers: Record<string, string>): Promise<WsClient> {
  const client = await connectWs(at, { headers })
  open.push(client)
  return client
}

const createItem = (who: SignedUp, name: string) => itemCalls(() => t).create(who, { name })

const error = (frame: Frame | string) =>
  frame as { code: string; field?: string; id?: string; message?: string }

describe('the original echo', () => {
  it('answers a text frame that is not a JSON object with Echo: {text}', async () => {
    const c = await connect()
    for (const text of ['hello', '[1,2]', '42', '{not json']) {
      c.send(text)
      expect(await c.next()).toBe(`Echo: ${text}`)
    }
  })
})

describe('bad frames get an error naming what is wrong, and the connection stays open', () => {
  it('unknown types, missing and unknown fields, bad topics, and what needs a sign-in', async () => {
    const c = await connect()
    const cases: [Frame, string, string | undefined][] = [
      [{}, 'unknown-type', '/type'],
      [{ type: 'shout', id: 'a' }, 'unknown-type', '/type'],
      [{ type: 'subscribe' }, 'invalid-frame', '/topic'],
      [{ type: 'subscribe', topic: 'items', colour: 'red' }, 'invalid-frame', '/colour'],
      [{ type: 'subscribe', topic: 'everything' }, 'invalid-input', '/topic'],
      [{ type: 'subscribe', topic: 'item:not-a-uuid' }, 'invalid-input', '/topic'],
      [{ type: 'subscribe', topic: 'room:Bad Name' }, 'invalid-input', '/topic'],
      [{ type: 'subscribe', topic: 'items', since: 'yesterday' }, 'invalid-frame', '/since'],
      [{ type: 'subscribe', topic: 'notifications' }, 'unauthenticated', undefined],
      [{ type: 'subscribe', topic: 'room:lobby' }, 'unauthenticated', undefined],
      [{ type: 'publish', topic: 'room:lobby', text: 'hi' }, 'unauthenticated', undefined],
      [{ type: 'publish', topic: 'items', text: 'hi' }, 'invalid-frame', '/topic'],
    ]
    for (const [frame, code, field] of cases) {
      c.send({ ...frame, id: 'x' })
      const answer = error(await c.next())
      expect({ frame, code: answer.code, field: answer.field, id: answer.id }).toEqual({
        frame,
        code,
        field,
        id: 'x',
      })
    }
    c.send({ type: 'ping', id: 'still-there' })
    expect(await c.next()).toEqual({ type: 'pong', id: 'still-there' })
  })

  it('says which field is missing, which is unknown, and what is wrong with a value', async () => {
    const c = await connect()
    const cases: [Frame, string, string][] = [
      [{ type: 'subscribe' }, '/topic', 'is required'],
      [{ type: 'subscribe', topic: 'items', colour: 'red' }, '/colour', 'is not a known field'],
      [{ type: 'ping', id: 7 }, '/id', 'must be string'],
    ]
    for (const [frame, field, message] of cases) {
      c.send({ id: 'x', ...frame })
      const answer = error(await c.next())
      expect({ frame, field: answer.field, message: answer.message }).toEqual({ frame, field, message })
    }
  })

  it('refuses binary frames', async () => {
    const c = await connect()
    c.ws.send(Buffer.from([1, 2, 3]))
    expect(error(await c.next()).code).toBe('invalid-frame')
  })
})

describe('signing in', () => {
  it('with an auth frame, with the Authorization header, or with Sec-WebSocket-Protocol', async () => {
    const byFrame = await connect()
    byFrame.send({ type: 'auth', token: alice.token, id: '1' })
    expect(await byFrame.next()).toEqual({
      type: 'ack',
      id: '1',
      user: { id: alice.id, name: alice.username },
    })
    for (const headers of [alice.auth, { 'sec-websocket-protocol': `bearer, ${alice.token}` }]) {
      const c = await connect(headers)
      c.send({ type: 'subscribe', topic: 'notifications', id: 'n' })
      expect(await c.next()).toEqual({ type: 'ack', id: 'n', topic: 'notifications' })
    }
  })

  it('refuses a bad token at the upgrade, and closes with 4401 on a bad auth frame', async () => {
    await expect(injectWs(t.app, { 'sec-websocket-protocol': 'bearer, not-a-token' })).rejects.toThrow(/401/)
    await expect(injectWs(t.app, { authorization: 'Bearer not-a-token' })).rejects.toThrow(/401/)
    const c = await connect()
    c.send({ type: 'auth', token: 'not-a-token' })
    expect(error(await c.next()).code).toBe('unauthenticated')
    expect((await c.closed).code).toBe(4401)
  })

  it('refuses a page of another site (cross-site WebSocket hijacking), and lets the same origin in', async () => {
    await expect(injectWs(t.app, { origin: 'https://evil.example', host: 'api.example' })).rejects.toThrow(
      /403/,
    )
    const same = await connect({ origin: 'https://api.example', host: 'api.example' })
    same.send({ type: 'ping' })
    expect(await same.next()).toEqual({ type: 'pong' })
  })

  it('closes a connection whose account is disabled, within ACCOUNT_CACHE_TTL', async () => {
    const carol = await signUpAndIn(t)
    const c = await connect(carol.auth)
    await t.container.database.db
      .updateTable('users')
      .set({ disabled: true })
      .where('id', '=', carol.id)
      .execute()
    expect((await c.closed).code).toBe(4403)
  })
})

describe('topics', () => {
  it('items: anyone hears of items created, with the topic and an offset', async () => {
    const c = await connect()
    c.send({ type: 'subscribe', topic: 'items', id: 's' })
    expect(await c.next()).toEqual({ type: 'ack', id: 's', topic: 'items' })
    const item = await createItem(alice, 'Kettle')
    const frame = (await c.next(isType('event'))) as Frame & {
      event: { item: { id: string; price: number } }
    }
    expect(frame).toMatchObject({ topic: 'items', offset: expect.stringMatching(/^\d+-\d+$/) })
    expect(frame.event).toMatchObject({ type: 'item.created', item: { id: item.id, price: 9.99 } })
  })

  it('resumes after a reconnect with what was missed, or says to refetch', async () => {
    const first = await connect()
    first.send({ type: 'subscribe', topic: 'items' })
    await first.next(isType('ack'))
    const item = await createItem(alice, 'Seen')
    const seen = (await first.next(
      (f) => isType('event')(f) && (f as { event: { item: { id: string } } }).event.item.id === item.id,
    )) as { offset: string }
    first.ws.terminate()
    const missed = [await createItem(alice, 'Missed 1'), await createItem(alice, 'Missed 2')]
    const again = await connect()
    again.send({ type: 'subscribe', topic: 'items', since: seen.offset, id: 'r' })
    const replayed = [await again.next(), await again.next()] as { event: { item: { id: string } } }[]
    expect(replayed.map((f) => f.event.item.id)).toEqual(missed.map((m) => m.id))
    expect(await again.next()).toEqual({ type: 'ack', id: 'r', topic: 'items' })
    // An offset this bus never gave for the topic: nothing proves that nothing was missed.
    const other = `item:${crypto.randomUUID()}`
    again.send({ type: 'subscribe', topic: other, since: '1-1', id: 'old' })
    expect(await again.next(isType('resync'))).toEqual({ type: 'resync', topic: other, id: 'old' })
  })
})

describe('rooms', () => {
  // Several clients at once go over TCP: injectWS closes every in-process socket when one of them closes.
  it('join with history and presence, messages for everyone in the room, joins and leaves', async () => {
    const at = await listening()
    const room = `r${Date.now()}`
    await t.container.rooms.post({ id: alice.id, role: 'user', scopes: [] }, room, 'earlier')
    const a = await tcp(at, alice.auth)
    a.send({ type: 'subscribe', topic: `room:${room}`, id: 'a' })
    expect(await a.next(isType('history'))).toMatchObject({
      type: 'history',
      topic: `room:${room}`,
      messages: [{ text: 'earlier' }],
    })
    expect(await a.next(isType('presence'))).toEqual({
      type: 'presence',
      topic: `room:${room}`,
      members: [{ id: alice.id, name: alice.username }],
    })
    expect(await a.next(isType('ack'))).toEqual({ type: 'ack', id: 'a', topic: `room:${room}` })

    const b = await tcp(at, bob.auth)
    b.send({ type: 'subscribe', topic: `room:${room}` })
    expect(await b.next(isType('presence'))).toMatchObject({ members: [{ id: alice.id }, { id: bob.id }] })
    await b.next(isType('ack'))
    const presenceOf = (id: string) => (f: Frame | string) =>
      isType('event')(f) && (f as { event: { member?: { id: string } } }).event.member?.id === id
    expect(await a.next(presenceOf(bob.id))).toMatchObject({
      event: { type: 'presence', change: 'joined', member: { id: bob.id, name: bob.username } },
    })

    b.send({ type: 'publish', topic: `room:${room}`, text: 'Hello, Alice', id: 'p' })
    expect(await b.next(isType('ack'))).toMatchObject({
      id: 'p',
      message: { text: 'Hello, Alice', author: { id: bob.id } },
    })
    const posted = (f: Frame | string) =>
      isType('event')(f) &&
      (f as { event: { message?: { text: string } } }).event.message?.text === 'Hello, Alice'
    expect(await a.next(posted)).toMatchObject({
      topic: `room:${room}`,
      event: { type: 'message.posted', message: { text: 'Hello, Alice', author: { name: bob.username } } },
    })

    b.send({ type: 'publish', topic: `room:${room}`, text: '   ' })
    expect(await b.next(isType('error'))).toMatchObject({ code: 'invalid-input', field: '/text' })

    b.ws.close()
    expect(await a.next(presenceOf(bob.id))).toMatchObject({ event: { type: 'presence', change: 'left' } })
  })
})

describe('limits', () => {
  it('closes with 4401 when the token expires without a fresh one', async () => {
    const tokens = new TokenService(t.container.keys, {
      issuer: t.settings.JWT_ISSUER,
      audience: t.settings.JWT_AUDIENCE,
      accessTokenTtl: 1,
    })
    const short = await tokens.issue({ id: alice.id, role: 'user' }, ['items:read'])
    const c = await connect({ authorization: `Bearer ${short.accessToken}` })
    expect((await c.closed).code).toBe(4401)

    // A fresh token sent in time keeps the connection open past the first one's expiry.
    const renewed = await tokens.issue({ id: alice.id, role: 'user' }, ['items:read'])
    const kept = await connect({ authorization: `Bearer ${renewed.accessToken}` })
    kept.send({ type: 'auth', token: alice.token, id: 'renew' })
    expect(await kept.next()).toMatchObject({ type: 'ack', id: 'renew' })
    const expiry = Date.now() + 1500
    while (Date.now() < expiry) await new Promise((resolve) => setTimeout(resolve, 100))
    kept.send({ type: 'ping', id: 'after' })
    expect(await kept.next()).toEqual({ type: 'pong', id: 'after' })
  })

  it('disconnects a client that stops reading, instead of buffering for it', async () => {
    const slow = await createTestApp({ WS_MAX_BUFFER: '65536' })
    try {
      await slow.app.listen({ host: '127.0.0.1', port: 0 })
      const c = await connectWs(`http://127.0.0.1:${(slow.app.server.address() as { port: number }).port}`)
      c.send({ type: 'subscribe', topic: 'items' })
      await c.next(isType('ack'))
      // The client reads nothing more; the server has events of 5 KB to send it.
      ;(c.ws as unknown as { _socket: { pause(): void } })._socket.pause()
      const at = new Date().toISOString()
      const item = {
        id: crypto.randomUUID(),
        name: 'Big',
        priceCents: 100,
        description: 'x'.repeat(5000),
        tags: [],
        ownerId: alice.id,
        version: 1,
        createdAt: at,
        updatedAt: at,
      }
      const server = slow.app.websocketServer
      // Bounded: 4,000 events (20 MB) are far more than the socket buffers hold.
      for (let i = 0; i < 4000 && server.clients.size > 0; i++) {
        await slow.container.bus.publish({ type: 'item.updated', at, item: { ...item, version: i + 1 } })
        if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve))
      }
      for (let i = 0; i < 100 && server.clients.size > 0; i++) await new Promise((r) => setTimeout(r, 50))
      expect(server.clients.size).toBe(0)
      c.ws.terminate()
    } finally {
      await slow.close()
    }
  })

  it('closes a frame over WS_MAX_MESSAGE with 1009', async () => {
    const c = await connect()
    c.send('x'.repeat(t.settings.WS_MAX_MESSAGE + 1))
    expect((await c.closed).code).toBe(1009)
  })

  it('closes every connection with 1001 when the server shuts down', async () => {
    const other = await createTestApp()
    try {
      const c = await injectWs(other.app)
      const closed = c.closed
      await other.app.close()
      expect((await closed).code).toBe(1001)
    } finally {
      await other.close()
    }
  })

  it('charges every frame to the rate limit, answers refusals with retry_after, and closes a client that keeps on', async () => {
    const limited = await createTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_ANONYMOUS: '5' })
    try {
      const c = await injectWs(limited.app, {}, '198.51.100.7')
      // The upgrade itself was the first request of the five.
      for (let i = 0; i < 4; i++) {
        c.send({ type: 'ping' })
        expect(await c.next()).toEqual({ type: 'pong' })
      }
      c.send({ type: 'ping' })
      expect(await c.next()).toMatchObject({
        type: 'error',
        code: 'rate-limited',
        retry_after: expect.any(Number),
      })
      for (let i = 0; i < 11; i++) c.send({ type: 'ping' })
      expect((await c.closed).code).toBe(1008)
    } finally {
      await limited.close()
    }
  })

  it('closes an anonymous connection that says nothing within WS_AUTH_TIMEOUT with 4408', async () => {
    const quiet = await createTestApp({ WS_AUTH_TIMEOUT: '1' })
    try {
      const c = await injectWs(quiet.app)
      expect((await c.closed).code).toBe(4408)
    } finally {
      await quiet.close()
    }
  })

  it('keeps an anonymous client that only echoes past WS_AUTH_TIMEOUT: it is not silent', async () => {
    const quiet = await createTestApp({ WS_AUTH_TIMEOUT: '1' })
    try {
      const c = await injectWs(quiet.app)
      c.send('still here')
      expect(await c.next()).toBe('Echo: still here')
      const past = Date.now() + 1500
      while (Date.now() < past) await new Promise((resolve) => setTimeout(resolve, 100))
      c.send({ type: 'ping', id: 'alive' })
      expect(await c.next()).toEqual({ type: 'pong', id: 'alive' })
    } finally {
      await quiet.close()
    }
  })

  it('caps connections per user, whether they sign in at the upgrade or with an auth frame', async () => {
    const capped = await createTestApp({ WS_MAX_PER_USER: '1' })
    try {
      const carol = await signUpAndIn(capped)
      const first = await injectWs(capped.app)
      first.send({ type: 'auth', token: carol.token, id: '1' })
      expect(await first.next()).toMatchObject({ type: 'ack', id: '1' })
      const second = await injectWs(capped.app)
      second.send({ type: 'auth', token: carol.token, id: '2' })
      expect((await second.closed).code).toBe(1008)
    } finally {
      await capped.close()
    }
  })

  it('caps connections per IP', async () => {
    const capped = await createTestApp({ WS_MAX_PER_IP: '2' })
    try {
      const clients = [await injectWs(capped.app), await injectWs(capped.app), await injectWs(capped.app)]
      expect((await clients[2]?.closed)?.code).toBe(1008)
      for (const c of clients) c.ws.terminate()
    } finally {
      await capped.close()
    }
  })

  it('answers a plain GET /ws with 426 and a problem', async () => {
    const res = await t.app.inject({ url: '/ws' })
    expect(res.statusCode).toBe(426)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  })
})
