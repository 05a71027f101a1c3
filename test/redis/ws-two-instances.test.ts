// Two instances on one PostgreSQL and one Redis, as behind a load balancer: a room message posted on A
// reaches a /ws subscriber on B, presence lists the members connected to either, and a client that drops
// from A resumes on B without losing an event the buffer still holds.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'
import { connectWs, type Frame, isType, type WsClient } from '../support/ws.ts'

let db: TestDatabase
let a: ServerProcess
let b: ServerProcess
const clients: WsClient[] = []

interface User {
  id: string
  name: string
  token: string
}

beforeAll(async () => {
  db = await createTestDatabase()
  const env = { REDIS_URL: inject('redisUrl') ?? '', REDIS_PREFIX: `ws2:${randomUUID()}:` }
  a = await startServer({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env })
  b = await startServer({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env })
})
afterAll(async () => {
  for (const c of clients) c.ws.terminate()
  await a?.stop()
  await b?.stop()
  await db?.cleanup()
})

async function user(): Promise<User> {
  const name = `ws2_${randomUUID().slice(0, 8)}`
  const password = 'correct horse battery'
  const created = await fetch(`${a.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, email: `${name}@example.com`, password }),
  })
  const { id } = (await created.json()) as { id: string }
  const token = await fetch(`${b.url}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username: name, password }),
  })
  return { id, name, token: ((await token.json()) as { access_token: string }).access_token }
}

async function connect(server: ServerProcess, who: User): Promise<WsClient> {
  const client = await connectWs(server.url, { protocols: ['bearer', who.token] })
  clients.push(client)
  return client
}

const event = (match: (e: Record<string, unknown>) => boolean) => (f: Frame | string) =>
  isType('event')(f) && match((f as { event: Record<string, unknown> }).event)

describe('/ws across two instances', () => {
  it('carries a message posted on A to a subscriber on B, with presence from both', async () => {
    const [alice, bob] = [await user(), await user()]
    const room = `two-${randomUUID().slice(0, 8)}`
    const onB = await connect(b, bob)
    onB.send({ type: 'subscribe', topic: `room:${room}` })
    await onB.next(isType('ack'))
    const onA = await connect(a, alice)
    onA.send({ type: 'subscribe', topic: `room:${room}` })
    const members = (await onA.next(isType('presence'))) as { members: { id: string }[] }
    expect(members.members.map((m) => m.id)).toEqual([bob.id, alice.id])
    const aliceJoined = (e: Record<string, unknown>) =>
      e.type === 'presence' && (e.member as { id: string }).id === alice.id
    expect(await onB.next(event(aliceJoined))).toMatchObject({
      event: { change: 'joined', member: { id: alice.id, name: alice.name } },
    })
    onA.send({ type: 'publish', topic: `room:${room}`, text: 'from A' })
    expect(await onB.next(event((e) => e.type === 'message.posted'))).toMatchObject({
      topic: `room:${room}`,
      event: { message: { text: 'from A', author: { id: alice.id } } },
    })
  })

  it('lets a client that drops from A resume on B with everything it missed', async () => {
    const [alice, bob] = [await user(), await user()]
    const room = `resume-${randomUUID().slice(0, 8)}`
    const first = await connect(a, alice)
    first.send({ type: 'subscribe', topic: `room:${room}` })
    await first.next(isType('ack'))
    const poster = await connect(a, bob)
    poster.send({ type: 'publish', topic: `room:${room}`, text: 'seen' })
    const seen = (await first.next(event((e) => e.type === 'message.posted'))) as { offset: string }
    first.ws.terminate()
    for (const text of ['missed 1', 'missed 2', 'missed 3']) {
      poster.send({ type: 'publish', topic: `room:${room}`, text, id: text })
      await poster.next((f) => isType('ack')(f) && (f as { id?: string }).id === text)
    }
    const again = await connect(b, alice)
    again.send({ type: 'subscribe', topic: `room:${room}`, since: seen.offset, id: 'resume' })
    const texts: string[] = []
    for (let i = 0; i < 3; i++) {
      const frame = (await again.next(event((e) => e.type === 'message.posted'))) as {
        event: { message: { text: string } }
      }
      texts.push(frame.event.message.text)
    }
    expect(texts).toEqual(['missed 1', 'missed 2', 'missed 3'])
  })
})
