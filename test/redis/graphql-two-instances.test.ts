// Two instances behind a load balancer, on one PostgreSQL and one Redis: an item created on instance A
// reaches a GraphQL subscriber connected to instance B.
import { randomUUID } from 'node:crypto'
import type { Client } from 'graphql-ws'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'
import { subscribe, wsClient } from '../support/graphql-ws.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'

let db: TestDatabase
let a: ServerProcess
let b: ServerProcess
let client: Client

beforeAll(async () => {
  db = await createTestDatabase()
  const env = { REDIS_URL: inject('redisUrl') ?? '', REDIS_PREFIX: `two:${randomUUID()}:` }
  a = await startServer({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env })
  b = await startServer({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env })
  client = wsClient(b.url)
})
afterAll(async () => {
  await client?.dispose()
  await a?.stop()
  await b?.stop()
  await db?.cleanup()
})

async function post(
  url: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<Record<string, string>> {
  return (await (await fetch(`${url}${path}`, { method: 'POST', body, headers })).json()) as Record<
    string,
    string
  >
}

describe('two instances on one Redis', () => {
  it('deliver an item created on A to a subscriber on B', async () => {
    const username = `two_${randomUUID().slice(0, 8)}`
    const password = 'correct horse battery'
    const json = { 'content-type': 'application/json' }
    const user = await post(
      a.url,
      '/users',
      JSON.stringify({ username, email: `${username}@example.com`, password }),
      json,
    )
    // A token issued by A is accepted by B too: both sign with the keys in the shared data directory.
    const { access_token } = await post(
      b.url,
      '/token',
      new URLSearchParams({ grant_type: 'password', username, password }).toString(),
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
    )
    const sub = subscribe<{ itemEvents: { type: string; item: { name: string; owner: { id: string } } } }>(
      client,
      'subscription($owner: ID) { itemEvents(filter: { ownerId: $owner }) { type item { name owner { id } } } }',
      { owner: user.id },
    )
    for (let i = 0; i < 50; i++) {
      await post(a.url, '/items', JSON.stringify({ name: `From A ${i}`, price: 1 }), {
        ...json,
        authorization: `Bearer ${access_token}`,
      })
      try {
        const message = await sub.next(200)
        expect(message.data?.itemEvents).toMatchObject({ type: 'CREATED', item: { owner: { id: user.id } } })
        expect(message.data?.itemEvents.item.name).toMatch(/^From A \d+$/)
        return
      } catch (error) {
        if (!String(error).includes('no message')) throw error
      }
    }
    throw new Error('no event from A reached B')
  })
})
