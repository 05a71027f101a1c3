// The AsyncAPI 3.0 document of /ws at /asyncapi.json, generated from the frame schemas that validate it.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { TSchema } from 'typebox'
import pkg from '../../../package.json' with { type: 'json' }
import { CLIENT_FRAMES, CLOSE, SERVER_FRAMES } from './protocol.ts'

const DESCRIPTION = `Realtime events, rooms and presence over one WebSocket at \`/ws\`.

Sign in with an access token from \`POST /token\`: in the \`Sec-WebSocket-Protocol\` header (\`bearer, <token>\`),
in an \`Authorization: Bearer\` header, or with an \`auth\` frame. Anonymous connections may follow \`items\` and
\`item:{id}\` only. Send a fresh token in an \`auth\` frame before the old one expires.

Every frame is a JSON object with a \`type\`; a text frame that is not one is answered \`Echo: {text}\`. Client
frames may carry an \`id\`, which the \`ack\` or \`error\` answering them repeats.

Events carry their \`topic\` and an \`offset\` that grows within the topic. Subscribe with \`since\` set to the last
offset you saw to receive what you missed, at least once, from a bounded buffer (about 1000 events per topic); if
it no longer holds them you get \`resync\`: fetch the state again. Delivery is otherwise at most once.

Close codes: ${Object.entries(CLOSE)
  .map(([name, code]) => `${code} (${name})`)
  .join(', ')}.`

// TypeBox schemas are JSON Schema; their symbol keys do not survive JSON.
const plain = (schema: TSchema) => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>

const EXAMPLES: Record<string, unknown> = {
  auth: { type: 'auth', token: 'eyJhbGciOiJFZERTQSIsImtpZCI6IjEifQ.e30.c2ln', id: '1' },
  subscribe: { type: 'subscribe', topic: 'room:lobby', since: '1795641381792-3', id: '2' },
  unsubscribe: { type: 'unsubscribe', topic: 'items', id: '3' },
  publish: { type: 'publish', topic: 'room:lobby', text: 'Hello!', id: '4' },
  ping: { type: 'ping', id: '5' },
  ack: { type: 'ack', id: '2', topic: 'room:lobby' },
  event: {
    type: 'event',
    topic: 'room:lobby',
    offset: '1795641381792-4',
    event: {
      type: 'message.posted',
      at: '2026-11-24T18:00:00.000Z',
      message: {
        id: '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11',
        room: 'lobby',
        author: { id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' },
        text: 'Hello!',
        created_at: '2026-11-24T18:00:00.000Z',
      },
    },
  },
  history: { type: 'history', topic: 'room:lobby', messages: [] },
  presence: {
    type: 'presence',
    topic: 'room:lobby',
    members: [{ id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' }],
  },
  resync: { type: 'resync', topic: 'room:lobby', id: '2' },
  error: { type: 'error', id: '4', code: 'invalid-input', message: 'must not be empty', field: '/text' },
  pong: { type: 'pong', id: '5' },
}

export function asyncApiDocument(host: string, secure: boolean) {
  const frames = { ...CLIENT_FRAMES, ...SERVER_FRAMES }
  const messages = Object.fromEntries(
    Object.entries(frames).map(([name, schema]) => [
      name,
      {
        name,
        title: `${name} frame`,
        summary: String((schema as { description?: string }).description ?? `The ${name} frame`),
        contentType: 'application/json',
        payload: plain(schema),
        examples: [{ name, payload: EXAMPLES[name] }],
      },
    ]),
  )
  const refs = (names: string[]) => names.map((name) => ({ $ref: `#/channels/ws/messages/${name}` }))
  return {
    asyncapi: '3.0.0',
    info: { title: 'Trestle realtime API', version: pkg.version, description: DESCRIPTION },
    servers: { trestle: { host, protocol: secure ? 'wss' : 'ws', description: 'This server' } },
    channels: {
      ws: {
        address: '/ws',
        title: 'The /ws connection',
        messages: Object.fromEntries(
          Object.keys(frames).map((name) => [name, { $ref: `#/components/messages/${name}` }]),
        ),
      },
    },
    operations: {
      receiveClientFrames: {
        action: 'receive',
        title: 'Frames the client sends',
        channel: { $ref: '#/channels/ws' },
        messages: refs(Object.keys(CLIENT_FRAMES)),
      },
      sendServerFrames: {
        action: 'send',
        title: 'Frames the server sends',
        channel: { $ref: '#/channels/ws' },
        messages: refs(Object.keys(SERVER_FRAMES)),
      },
    },
    components: { messages },
  }
}

async function asyncApiPlugin(app: FastifyInstance) {
  app.get('/asyncapi.json', { schema: { hide: true } }, async (request) =>
    asyncApiDocument(request.headers.host ?? 'localhost', request.protocol === 'https'),
  )
}

export default fp(asyncApiPlugin, { name: 'asyncapi' })
