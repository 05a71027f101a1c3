// The published AsyncAPI document of /ws: valid AsyncAPI 3 (by @asyncapi/parser), complete (every message
// named, titled, summarised, with a payload and examples that fit it; close codes and delivery explained), and
// true: frames from real sessions, one of every kind the server sends, fit the payloads it publishes.
import { DiagnosticSeverity, Parser } from '@asyncapi/parser'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import asyncApi from '../../src/transports/ws/asyncapi.ts'
import { CLIENT_FRAMES, CLOSE, SERVER_FRAMES } from '../../src/transports/ws/protocol.ts'
import { createTestApp, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import { connectWs, type Frame, injectWs, isType, type WsClient } from '../support/ws.ts'

interface Message {
  name?: string
  title?: string
  summary?: string
  contentType?: string
  payload?: Record<string, unknown>
  examples?: { name?: string; summary?: string; payload?: unknown }[]
}
interface Operation {
  action: 'send' | 'receive'
  messages: { $ref: string }[]
  reply?: { messages: { $ref: string }[] }
}
interface AsyncApiDocument {
  asyncapi: string
  info: { description: string }
  servers: Record<string, { host: string; protocol: string }>
  channels: Record<string, { address: string; messages: Record<string, unknown> }>
  operations: Record<string, Operation>
  components: { messages: Record<string, Message> }
}

let t: TestApp
let doc: AsyncApiDocument
const open: WsClient[] = []

beforeAll(async () => {
  t = await createTestApp()
  const res = await t.app.inject({ url: '/asyncapi.json' })
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  doc = res.json()
})
afterAll(async () => {
  for (const c of open) c.ws.terminate()
  await t.close()
})

const ajv = new Ajv({ strict: false, allErrors: true, multipleOfPrecision: 6 })
addFormats.default(ajv)

/** The schema with every object closed that does not say otherwise: a field the document omits fails. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed)
  if (typeof schema !== 'object' || schema === null) return schema
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value)]))
  if (copy.type === 'object' && copy.properties && !('additionalProperties' in copy)) {
    copy.additionalProperties = false
  }
  return copy
}

function payloadErrors(name: string, value: unknown, strict = false) {
  const payload = doc.components.messages[name]?.payload
  if (!payload) return [`no message ${name}`]
  const validate = ajv.compile((strict ? closed(payload) : payload) as object)
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
}

/** The `type`s of the events the document describes: a `const`, or a union of them, in each shape. */
function documentedEventTypes(): string[] {
  type Shape = { properties: { type: { const?: string; anyOf?: { const: string }[] } } }
  const event = doc.components.messages.event?.payload as { properties: { event: { anyOf: Shape[] } } }
  return event.properties.event.anyOf.flatMap(({ properties: { type } }) =>
    type.const !== undefined ? [type.const] : (type.anyOf ?? []).map((t) => t.const),
  )
}

describe('the document', () => {
  it('is valid AsyncAPI 3, without errors or warnings', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc))
    const at = (severity: DiagnosticSeverity) =>
      diagnostics
        .filter((d) => d.severity === severity)
        .map((d) => `${d.code} at ${d.path.join('/')}: ${d.message}`)
    expect(at(DiagnosticSeverity.Error)).toEqual([])
    // The parser's one remark is an Information: 3.1.0 exists.
    expect(at(DiagnosticSeverity.Warning)).toEqual([])
    expect(document?.version()).toMatch(/^3\.0\./)
  })

  it('has a message for every frame, each named, titled, summarised, with a payload and fitting examples', () => {
    const messages = doc.components.messages
    const frames = [...Object.keys(CLIENT_FRAMES), ...Object.keys(SERVER_FRAMES), 'text', 'echo']
    expect(Object.keys(messages).sort()).toEqual(frames.sort())
    for (const [name, message] of Object.entries(messages)) {
      expect(message, name).toMatchObject({
        name,
        title: expect.stringMatching(/\S/),
        summary: expect.stringMatching(/\S/),
        contentType: expect.stringMatching(/^(application\/json|text\/plain)$/),
        payload: expect.any(Object),
      })
      expect(message.examples?.length, name).toBeGreaterThan(0)
      for (const example of message.examples ?? []) {
        expect(example.name && example.summary, `${name} example`).toBeTruthy()
        expect(payloadErrors(name, example.payload, true), `${name} example ${example.name}`).toEqual([])
      }
    }
  })

  it('says what the server receives and what it answers, and every message is used', () => {
    const used = Object.values(doc.operations).flatMap((op) => [
      ...op.messages.map((m) => m.$ref),
      ...(op.reply?.messages ?? []).map((m) => m.$ref),
    ])
    const names = new Set(used.map((ref) => ref.replace('#/channels/ws/messages/', '')))
    expect([...names].sort()).toEqual(Object.keys(doc.components.messages).sort())
    const received = Object.values(doc.operations)
      .filter((op) => op.action === 'receive')
      .flatMap((op) => op.messages.map((m) => m.$ref.split('/').pop()))
    expect(received.sort()).toEqual([...Object.keys(CLIENT_FRAMES), 'text'].sort())
  })

  it('lists every close code, and states the delivery guarantee', () => {
    const description = doc.info.description
    for (const code of Object.values(CLOSE)) expect(description).toMatch(new RegExp(`\\| ${code} \\| \\S`))
    expect(description).toContain('at most once')
    expect(description).toContain('at least once')
    expect(description).toContain('resync')
  })

  it('names this server: the host the request reached, over ws', async () => {
    expect(doc.channels.ws?.address).toBe('/ws')
    const res = await t.app.inject({ url: '/asyncapi.json', headers: { host: 'api.example:8443' } })
    expect(Object.values(res.json().servers)).toEqual([
      expect.objectContaining({ host: 'api.example:8443', protocol: 'ws' }),
    ])
  })

  it('names PUBLIC_URL instead when it is given, over wss when it is https', async () => {
    const app = Fastify()
    await app.register(asyncApi, { publicUrl: 'https://api.example.com' })
    const res = await app.inject({ url: '/asyncapi.json', headers: { host: 'internal:8000' } })
    await app.close()
    expect(Object.values(res.json().servers)).toEqual([
      expect.objectContaining({ host: 'api.example.com', protocol: 'wss' }),
    ])
  })
})

describe('the REST reference', () => {
  it('mentions /ws and links the AsyncAPI document', async () => {
    const openapi = (await t.app.inject({ url: '/openapi.json' })).json()
    expect(openapi.info.description).toContain('`/ws`')
    expect(openapi.info.description).toContain('(/asyncapi.json)')
  })
})

// --- Frames from real sessions fit the published payloads --------------------------------------------------

describe('frames the server really sends', () => {
  const seen: { name: string; frame: Frame | string }[] = []
  let alice: SignedUp
  let bob: SignedUp
  let url: string

  /** Every frame the client receives is kept, to be checked against the document. */
  async function client(options: Parameters<typeof connectWs>[1] = {}): Promise<WsClient> {
    const c = await connectWs(url, options)
    open.push(c)
    c.ws.on('message', (data) => {
      const text = data.toString()
      const frame = text.startsWith('{') ? (JSON.parse(text) as Frame) : text
      seen.push({ name: typeof frame === 'string' ? 'echo' : String(frame.type), frame })
    })
    return c
  }

  const eventOf = (type: string) => (f: Frame | string) =>
    isType('event')(f) && (f as { event: { type: string } }).event.type === type

  const presenceOf = (who: SignedUp, change: string) => (f: Frame | string) =>
    eventOf('presence')(f) &&
    (f as { event: { change: string; member: { id: string } } }).event.change === change &&
    (f as { event: { member: { id: string } } }).event.member.id === who.id

  async function rest(
    method: 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    who: SignedUp,
    payload?: object,
  ) {
    const res = await t.app.inject({ method, url: path, headers: who.auth, ...(payload && { payload }) })
    expect(res.statusCode, res.body).toBeLessThan(300)
    return res.body ? res.json() : undefined
  }

  beforeAll(async () => {
    alice = await signUpAndIn(t)
    bob = await signUpAndIn(t)
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`
  })

  it('echo, pong, errors and acks', async () => {
    const a = await client()
    a.send('hello')
    expect(await a.next()).toBe('Echo: hello')
    a.send({ type: 'ping', id: 'p' })
    await a.next(isType('pong'))
    a.send({ type: 'shout' })
    await a.next(isType('error'))
    a.send({ type: 'subscribe', topic: 'notifications', id: 'n' })
    expect(await a.next(isType('error'))).toMatchObject({ code: 'unauthenticated', id: 'n' })
    a.send({ type: 'auth', token: alice.token, id: 'in' })
    expect(await a.next(isType('ack'))).toMatchObject({ user: { id: alice.id } })
  })

  it('item events and notifications, live and replayed, and resync', async () => {
    const a = await client({ headers: alice.auth })
    for (const topic of ['items', 'notifications']) {
      a.send({ type: 'subscribe', topic })
      await a.next(isType('ack'))
    }
    const item = await rest('POST', '/items', bob, { name: 'Kettle', price: 20 })
    const created = (await a.next(eventOf('item.created'))) as { offset: string }
    a.send({ type: 'subscribe', topic: `item:${item.id}` })
    await a.next(isType('ack'))
    await rest('PUT', `/items/${item.id}/watch`, alice)
    await rest('PATCH', `/items/${item.id}`, bob, { price: 18.5 })
    await a.next(eventOf('item.updated'))
    await a.next(eventOf('notification'))
    await rest('DELETE', `/items/${item.id}`, bob)
    await a.next(eventOf('item.deleted'))

    const again = await client()
    again.send({ type: 'subscribe', topic: 'items', since: created.offset, id: 'r' })
    await again.next(isType('ack'))
    expect(seen.filter((s) => isType('event')(s.frame)).length).toBeGreaterThan(5)
    again.send({ type: 'subscribe', topic: `item:${crypto.randomUUID()}`, since: '1-1' })
    await again.next(isType('resync'))
  })

  it('rooms: history, presence, messages, joins and leaves', async () => {
    const room = `asyncapi${Date.now()}`
    await rest('POST', `/rooms/${room}/messages`, alice, { text: 'Earlier' })
    const a = await client({ headers: alice.auth })
    a.send({ type: 'subscribe', topic: `room:${room}` })
    await a.next(isType('history'))
    await a.next(isType('presence'))
    await a.next(isType('ack'))
    const b = await client({ protocols: ['bearer', bob.token] })
    b.send({ type: 'subscribe', topic: `room:${room}` })
    await b.next(isType('ack'))
    await a.next(presenceOf(bob, 'joined'))
    b.send({ type: 'publish', topic: `room:${room}`, text: 'Hello, Alice', id: 'p' })
    expect(await b.next(isType('ack'))).toMatchObject({ message: { text: 'Hello, Alice' } })
    await a.next(eventOf('message.posted'))
    b.send({ type: 'unsubscribe', topic: `room:${room}` })
    await b.next(isType('ack'))
    await a.next(presenceOf(bob, 'left'))
  })

  it('a refusal by the rate limit, with retry_after', async () => {
    const limited = await createTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_ANONYMOUS: '2' })
    try {
      // One client per app: injectWS closes every in-process socket when one closes.
      const c = await injectWs(limited.app, {}, '198.51.100.9')
      c.send({ type: 'ping' })
      await c.next(isType('pong'))
      c.send({ type: 'ping' })
      const refusal = await c.next(isType('error'))
      expect(refusal).toMatchObject({ code: 'rate-limited', retry_after: expect.any(Number) })
      seen.push({ name: 'error', frame: refusal })
      c.ws.terminate()
    } finally {
      await limited.close()
    }
  })

  // After the sessions above: what they received.
  it('every frame seen fits its message in the document, and every kind was seen', () => {
    const misfits = seen
      .map(({ name, frame }) => ({ name, frame, errors: payloadErrors(name, frame, true) }))
      .filter((s) => s.errors.length > 0)
    expect(misfits).toEqual([])
    const serverMessages = [...Object.keys(SERVER_FRAMES), 'echo']
    expect([...new Set(seen.map((s) => s.name))].sort()).toEqual(serverMessages.sort())
    const eventTypes = new Set(
      seen.flatMap((s) =>
        isType('event')(s.frame) ? [(s.frame as { event: { type: string } }).event.type] : [],
      ),
    )
    expect([...eventTypes].sort()).toEqual(documentedEventTypes().sort())
  })
})
