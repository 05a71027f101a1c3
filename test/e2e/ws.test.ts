// /ws against the real server process, with the ws client a user of the original system would have: the
// echo, a public topic, and SIGTERM closing every socket (GraphQL subscriptions' too) with 1001 while the
// process still exits 0.
import { randomUUID } from 'node:crypto'
import { type Client, createClient } from 'graphql-ws'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import WebSocket from 'ws'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'
import { connectWs, isType } from '../support/ws.ts'

let db: TestDatabase
let server: ServerProcess

beforeAll(async () => {
  db = await createTestDatabase()
  const redisUrl = inject('redisUrl')
  server = await startServer({
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    env: redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: `e2e-ws:${randomUUID()}:` } : {},
  })
})
afterAll(async () => {
  await server?.stop()
  await db?.cleanup()
})

describe('/ws on the real server', () => {
  it('echoes text as the original system did', async () => {
    const c = await connectWs(server.url)
    c.send('Hello, server')
    expect(await c.next()).toBe('Echo: Hello, server')
    c.ws.close()
  })

  it('delivers item events to an anonymous subscriber', async () => {
    const c = await connectWs(server.url)
    c.send({ type: 'subscribe', topic: 'items', id: 's' })
    expect(await c.next()).toEqual({ type: 'ack', id: 's', topic: 'items' })
    const name = `e2e_${randomUUID().slice(0, 8)}`
    const password = 'correct horse battery'
    await fetch(`${server.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: name, email: `${name}@example.com`, password }),
    })
    const token = await fetch(`${server.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({ username: name, password }),
    })
    const { access_token } = (await token.json()) as { access_token: string }
    await fetch(`${server.url}/items/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
      body: JSON.stringify({ name: 'Teapot', price: 9.99 }),
    })
    expect(await c.next(isType('event'))).toMatchObject({
      topic: 'items',
      event: { type: 'item.created', item: { name: 'Teapot', price: 9.99 } },
    })
    c.ws.close()
  })

  it('on SIGTERM closes /ws and GraphQL subscription sockets with 1001, and exits 0', async () => {
    const c = await connectWs(server.url)
    let connected: () => void = () => {}
    const graphqlConnected = new Promise<void>((resolve) => {
      connected = resolve
    })
    const graphqlClosed = new Promise<number>((resolve) => {
      const client: Client = createClient({
        url: `${server.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        // Losing the connection at shutdown is what this test expects, not an error to print.
        onNonLazyError: () => {},
        on: { connected, closed: (event) => resolve((event as { code: number }).code) },
      })
      client.subscribe(
        { query: 'subscription { itemEvents { type } }' },
        { next() {}, error() {}, complete() {} },
      )
    })
    await graphqlConnected
    // Both connections are up once the server answers on each.
    c.send({ type: 'ping', id: 'up' })
    await c.next()
    const code = await server.stop()
    expect(code).toBe(0)
    expect((await c.closed).code).toBe(1001)
    expect(await graphqlClosed).toBe(1001)
  })
})
