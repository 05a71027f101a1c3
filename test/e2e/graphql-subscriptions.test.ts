// Subscriptions end to end: a running server, the graphql-ws client, REST writes on the other side.
// In the scaled-out project the server publishes through Redis.
import { randomUUID } from 'node:crypto'
import { type Client, createClient } from 'graphql-ws'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import WebSocket from 'ws'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'
import { type Subscription, subscribe, wsClient } from '../support/graphql-ws.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'

let db: TestDatabase
let server: ServerProcess
const clients: Client[] = []

interface User {
  id: string
  token: string
  auth: Record<string, string>
}

async function api(
  path: string,
  init: {
    method?: string
    json?: unknown
    form?: Record<string, string>
    auth?: Record<string, string>
  } = {},
) {
  const headers: Record<string, string> = { ...init.auth }
  let body: string | undefined
  if (init.json) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(init.json)
  }
  if (init.form) body = new URLSearchParams(init.form).toString()
  if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded'
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? (body ? 'POST' : 'GET'),
    headers,
    body,
  })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : undefined }
}

async function user(): Promise<User> {
  const username = `sub_${randomUUID().slice(0, 8)}`
  const password = 'correct horse battery'
  const { json } = await api('/users', { json: { username, email: `${username}@example.com`, password } })
  const token = (await api('/token', { form: { grant_type: 'password', username, password } })).json
    .access_token
  return { id: json.id, token, auth: { authorization: `Bearer ${token}` } }
}

async function createItem(owner: User, name: string, price = 10) {
  const res = await api('/items', { json: { name, price }, auth: owner.auth })
  expect(res.status).toBe(201)
  return res.json as { id: string }
}

function client(token?: string): Client {
  const c = wsClient(server.url, token)
  clients.push(c)
  return c
}

/**
 * The server holds a subscription a moment after the client sends it; until a first event arrives we
 * cannot know. So: trigger, wait briefly, trigger again (bounded), and return the first message.
 */
async function firstMessage<T>(sub: Subscription<T>, trigger: () => Promise<unknown>) {
  for (let i = 0; i < 50; i++) {
    await trigger()
    try {
      return await sub.next(200)
    } catch {}
  }
  throw new Error(`the subscription never delivered; server said:\n${server.output().slice(-3000)}`)
}

beforeAll(async () => {
  db = await createTestDatabase()
  const redisUrl = inject('redisUrl')
  server = await startServer({
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    env: redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: `e2e:${randomUUID()}:` } : {},
  })
})
afterAll(async () => {
  for (const c of clients) await c.dispose()
  await server?.stop()
  await db?.cleanup()
})

describe('GraphQL subscriptions over graphql-transport-ws', () => {
  it('itemEvents: an item created over REST arrives at a subscriber', async () => {
    const owner = await user()
    const sub = subscribe<{
      itemEvents: { type: string; item: { name: string; price: string; owner: { id: string } } }
    }>(
      client(),
      `subscription($owner: ID) { itemEvents(filter: { ownerId: $owner }) { type item { name price owner { id } } } }`,
      { owner: owner.id },
    )
    let n = 0
    const message = await firstMessage(sub, () => createItem(owner, `Teapot ${++n}`, 9.99))
    expect(message.data?.itemEvents).toMatchObject({
      type: 'CREATED',
      item: { price: '9.99', owner: { id: owner.id } },
    })
    expect(message.data?.itemEvents.item.name).toMatch(/^Teapot \d+$/)
    sub.dispose()
  })

  it('notifications: a watcher hears of a price change, and another user does not', async () => {
    const [owner, watcher, bystander] = [await user(), await user(), await user()]
    const watched = await createItem(owner, 'Samovar', 20)
    const bystanders = await createItem(owner, 'Kettle', 5)
    await api(`/items/${watched.id}/watch`, { method: 'PUT', auth: watcher.auth })
    await api(`/items/${bystanders.id}/watch`, { method: 'PUT', auth: bystander.auth })
    const query = 'subscription { notifications { kind itemId itemName oldPrice newPrice } }'
    const watcherSub = subscribe<{ notifications: Record<string, string> }>(client(watcher.token), query)
    const bystanderSub = subscribe<{ notifications: Record<string, string> }>(client(bystander.token), query)

    let price = 20
    const heard = await firstMessage(watcherSub, () =>
      api(`/items/${watched.id}`, { method: 'PATCH', json: { price: --price }, auth: owner.auth }),
    )
    expect(heard.data?.notifications).toMatchObject({
      kind: 'price-changed',
      itemId: watched.id,
      itemName: 'Samovar',
    })
    // The bystander's first notification is about their own item, not the watcher's.
    const own = await firstMessage(bystanderSub, () =>
      api(`/items/${bystanders.id}`, { method: 'PATCH', json: { price: ++price }, auth: owner.auth }),
    )
    expect(own.data?.notifications.itemId).toBe(bystanders.id)
    watcherSub.dispose()
    bystanderSub.dispose()
  })

  it('notifications need a signed-in connection', async () => {
    const sub = subscribe(client(), 'subscription { notifications { kind } }')
    const message = await sub.next()
    expect(message.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED')
  })

  it('roomMessages: a message posted over REST reaches the room’s subscribers, not another room’s', async () => {
    const [poster, listener] = [await user(), await user()]
    const query =
      'subscription($room: String!) { roomMessages(room: $room) { id room text author { id name } createdAt } }'
    type Heard = { roomMessages: { room: string; text: string; author: { id: string; name: string } } }
    const lobby = subscribe<Heard>(client(listener.token), query, { room: 'lobby' })
    const kitchen = subscribe<Heard>(client(listener.token), query, { room: 'kitchen' })

    let n = 0
    const post = (room: string) =>
      api(`/rooms/${room}/messages`, { json: { text: `hello ${++n}` }, auth: poster.auth })
    const heard = await firstMessage(lobby, () => post('lobby'))
    expect(heard.data?.roomMessages).toMatchObject({ room: 'lobby', author: { id: poster.id } })
    expect(heard.data?.roomMessages.text).toMatch(/^hello \d+$/)
    expect(heard.data?.roomMessages.author.name).toMatch(/^sub_/)
    // The kitchen's first message is the kitchen's own: none of the lobby's reached it.
    const own = await firstMessage(kitchen, () => post('kitchen'))
    expect(own.data?.roomMessages.room).toBe('kitchen')
    lobby.dispose()
    kitchen.dispose()
  })

  it('roomMessages needs a signed-in connection and a room name', async () => {
    const query = 'subscription($room: String!) { roomMessages(room: $room) { text } }'
    const anonymous = subscribe(client(), query, { room: 'lobby' })
    expect((await anonymous.next()).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED')
    const signedIn = await user()
    const badName = subscribe(client(signedIn.token), query, { room: 'Not a room' })
    expect((await badName.next()).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: '/room',
    })
  })

  it('closes a connection whose token is refused with 4403 Forbidden, as graphql-transport-ws says', async () => {
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      const c = createClient({
        url: `${server.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: 'Bearer not-a-token' },
        retryAttempts: 0,
        on: { closed: (event) => resolve(event as { code: number; reason: string }) },
      })
      clients.push(c)
      c.subscribe(
        { query: 'subscription { notifications { kind } }' },
        { next() {}, error() {}, complete() {} },
      )
    })
    expect(await closed).toMatchObject({ code: 4403, reason: 'Forbidden' })
  })
})
