// The AsyncAPI 3.0 document of /ws at /asyncapi.json, built from the schemas that validate client frames and
// describe the server's (protocol.ts), so it names no frame the server does not know. The typed tables below
// make a new frame or close code without a title, an example or a meaning fail the type check, and
// test/integration/asyncapi.test.ts validates the document and checks real frames against it.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type TObject, type TProperties, type TSchema, Type } from 'typebox'
import pkg from '../../../package.json' with { type: 'json' }
import { HISTORY } from '../../domain/rooms.ts'
import { MessageSchema } from '../shared/wire-schemas.ts'
import { EventView } from './event-schema.ts'
import { CLIENT_FRAMES, CLOSE, SERVER_FRAMES } from './protocol.ts'

/** What each close code tells a client, and what it should do. */
export const CLOSE_MEANINGS: Record<keyof typeof CLOSE, string> = {
  goingAway: 'The server is shutting down: reconnect (another instance answers) and resume with `since`.',
  policy:
    'Too many frames past the rate limit, or too many connections (`WS_MAX_PER_USER`, `WS_MAX_PER_IP`): wait before reconnecting.',
  tooBig: 'A frame was larger than `WS_MAX_MESSAGE` bytes.',
  unauthorized:
    'The access token was refused, or it expired before a fresh one came in an `auth` frame: sign in again.',
  forbidden: 'The account was disabled or deleted.',
  silent: 'An anonymous connection sent nothing within `WS_AUTH_TIMEOUT` seconds.',
  slowConsumer:
    'The client did not read what it was sent (more than `WS_MAX_BUFFER` bytes waited): reconnect and resume with `since`.',
}

const closeCodes = (Object.keys(CLOSE) as (keyof typeof CLOSE)[])
  .map((name) => `| ${CLOSE[name]} | ${CLOSE_MEANINGS[name]} |`)
  .join('\n')

const DESCRIPTION = `Realtime events, rooms and presence over one WebSocket at \`/ws\`, beside the REST API
(\`/docs\`, \`/openapi.json\`) and GraphQL (\`/graphql\`), on the same services and rules.

**Frames.** Every frame is a JSON object with a \`type\`. A text frame that is not a JSON object is answered
\`Echo: {text}\`, as the original system's \`/ws\` did. Client frames may carry an \`id\`, which the \`ack\` or
\`error\` answering them repeats. A frame the server cannot read is answered with an \`error\` naming the field;
the connection stays open.

**Signing in.** With an access token from \`POST /token\`: in the \`Sec-WebSocket-Protocol\` header
(\`bearer, <token>\`, for browsers), in an \`Authorization: Bearer <token>\` header, or in an \`auth\` frame. A bad
token in a header is refused at the upgrade (HTTP 401); in an \`auth\` frame it closes the connection (4401).
Send a fresh token in an \`auth\` frame before the old one expires.

**Topics.** \`items\` and \`item:{id}\` (anyone), \`notifications\` (your own; signed in) and \`room:{name}\`
(signed in). Following a room joins it: you receive its last messages (\`history\`), who is in it
(\`presence\`), then its messages and joins and leaves as events. Posting to a room needs a signed-in connection.

**Delivery.** Live events are delivered at most once: to the connections following the topic when the event is
published. Each carries its \`topic\` and an \`offset\` that grows within the topic. After a reconnect, subscribe
with \`since\` set to the last offset you saw: what you missed comes first, at least once, from a bounded buffer
of about 1000 events per topic (in the process, or a capped Redis Stream per topic when the server runs with
Redis, so that any instance can resume you), and no live event overtakes it. When the buffer no longer holds
them (or the server restarted without Redis) you get \`resync\` instead: fetch the current state over REST or
GraphQL and follow on from there.

**Limits.** Every frame counts against the caller's rate limit (an \`error\` with \`retry_after\`, then 1008);
frames are at most \`WS_MAX_MESSAGE\` bytes; a connection that does not answer a ping within \`WS_HEARTBEAT\`
seconds is dropped.

**Close codes.**

| code | meaning |
| --- | --- |
${closeCodes}`

type ClientName = keyof typeof CLIENT_FRAMES | 'text'
type ServerName = keyof typeof SERVER_FRAMES | 'echo'

interface Example {
  name: string
  summary: string
  payload: unknown
}

/** Each message's title, and examples of it; the first is the one tools show. */
const MESSAGES: Record<ClientName | ServerName, { title: string; examples: [Example, ...Example[]] }> = {
  auth: {
    title: 'Sign in',
    examples: [
      {
        name: 'auth',
        summary: 'Sign in, or renew the token',
        payload: { type: 'auth', token: 'eyJhbGciOiJFZERTQSIsImtpZCI6IjEifQ.e30.c2ln', id: '1' },
      },
    ],
  },
  subscribe: {
    title: 'Subscribe',
    examples: [
      {
        name: 'items',
        summary: 'Follow every item',
        payload: { type: 'subscribe', topic: 'items', id: '2' },
      },
      {
        name: 'resume',
        summary: 'Join a room again, with what was missed',
        payload: { type: 'subscribe', topic: 'room:lobby', since: '1795641381792-3', id: '3' },
      },
    ],
  },
  unsubscribe: {
    title: 'Unsubscribe',
    examples: [
      {
        name: 'unsubscribe',
        summary: 'Stop following items',
        payload: { type: 'unsubscribe', topic: 'items' },
      },
    ],
  },
  publish: {
    title: 'Post to a room',
    examples: [
      {
        name: 'publish',
        summary: 'Say hello in the lobby',
        payload: { type: 'publish', topic: 'room:lobby', text: 'Hello!', id: '4' },
      },
    ],
  },
  ping: {
    title: 'Ping',
    examples: [{ name: 'ping', summary: 'Is anyone there?', payload: { type: 'ping', id: '5' } }],
  },
  text: {
    title: 'Text to echo',
    examples: [{ name: 'text', summary: 'Plain text', payload: 'hello' }],
  },
  ack: {
    title: 'Acknowledgement',
    examples: [
      {
        name: 'signed-in',
        summary: 'After auth',
        payload: {
          type: 'ack',
          id: '1',
          user: { id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' },
        },
      },
      { name: 'subscribed', summary: 'After subscribe', payload: { type: 'ack', id: '2', topic: 'items' } },
      {
        name: 'posted',
        summary: 'After publish',
        payload: {
          type: 'ack',
          id: '4',
          topic: 'room:lobby',
          message: {
            id: '0191f2a4-7d2f-7b46-8c3a-4e5f6a7b8c9d',
            room: 'lobby',
            author: { id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' },
            text: 'Hello!',
            created_at: '2026-11-24T18:00:00.000Z',
          },
        },
      },
    ],
  },
  event: {
    title: 'Event',
    examples: [
      {
        name: 'message-posted',
        summary: 'A message in a room',
        payload: {
          type: 'event',
          topic: 'room:lobby',
          offset: '1795641381792-4',
          event: {
            type: 'message.posted',
            at: '2026-11-24T18:00:00.000Z',
            message: {
              id: '0191f2a4-7d2f-7b46-8c3a-4e5f6a7b8c9d',
              room: 'lobby',
              author: { id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' },
              text: 'Hello!',
              created_at: '2026-11-24T18:00:00.000Z',
            },
          },
        },
      },
      {
        name: 'item-updated',
        summary: 'An item changed',
        payload: {
          type: 'event',
          topic: 'items',
          offset: '1795641381792-7',
          event: {
            type: 'item.updated',
            at: '2026-11-24T18:05:00.000Z',
            item: {
              id: '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11',
              name: 'Teapot',
              price: 7.5,
              description: 'Short and stout',
              tags: ['kitchen', 'tea'],
              owner_id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f',
              version: 2,
              created_at: '2026-11-24T18:00:00.000Z',
              updated_at: '2026-11-24T18:05:00.000Z',
            },
          },
        },
      },
      {
        name: 'notification',
        summary: 'The price of an item you watch changed',
        payload: {
          type: 'event',
          topic: 'notifications',
          offset: '1795641381792-8',
          event: {
            type: 'notification',
            at: '2026-11-24T18:05:00.000Z',
            notification: {
              kind: 'price-changed',
              item_id: '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11',
              item_name: 'Teapot',
              old_price: 9.99,
              new_price: 7.5,
            },
          },
        },
      },
      {
        name: 'presence',
        summary: 'Someone joined a room',
        payload: {
          type: 'event',
          topic: 'room:lobby',
          offset: '1795641381792-9',
          event: {
            type: 'presence',
            at: '2026-11-24T18:06:00.000Z',
            change: 'joined',
            member: { id: '0191f2a4-8e3a-7c57-9d4b-5f6a7b8c9d0e', name: 'bob' },
          },
        },
      },
    ],
  },
  history: {
    title: 'Room history',
    examples: [
      {
        name: 'history',
        summary: 'The lobby’s last message',
        payload: {
          type: 'history',
          topic: 'room:lobby',
          messages: [
            {
              id: '0191f2a4-7d2f-7b46-8c3a-4e5f6a7b8c9d',
              room: 'lobby',
              author: { id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' },
              text: 'Hello!',
              created_at: '2026-11-24T18:00:00.000Z',
            },
          ],
        },
      },
    ],
  },
  presence: {
    title: 'Who is in the room',
    examples: [
      {
        name: 'presence',
        summary: 'Alice alone in the lobby',
        payload: {
          type: 'presence',
          topic: 'room:lobby',
          members: [{ id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' }],
        },
      },
    ],
  },
  resync: {
    title: 'Refetch',
    examples: [
      {
        name: 'resync',
        summary: 'What was missed is gone',
        payload: { type: 'resync', topic: 'room:lobby', id: '3' },
      },
    ],
  },
  error: {
    title: 'Error',
    examples: [
      {
        name: 'invalid-input',
        summary: 'Blank text',
        payload: {
          type: 'error',
          id: '4',
          code: 'invalid-input',
          message: 'must be 1 to 2000 characters, not blank (no NUL)',
          field: '/text',
        },
      },
      {
        name: 'unauthenticated',
        summary: 'A room needs a signed-in connection',
        payload: { type: 'error', id: '3', code: 'unauthenticated', message: 'Sign in to do this.' },
      },
      {
        name: 'rate-limited',
        summary: 'Too many frames',
        payload: {
          type: 'error',
          code: 'rate-limited',
          message: 'Rate limit exceeded: the "anonymous" policy allows 100 requests per 3600 seconds.',
          retry_after: 36,
        },
      },
    ],
  },
  pong: {
    title: 'Pong',
    examples: [{ name: 'pong', summary: 'Still here', payload: { type: 'pong', id: '5' } }],
  },
  echo: {
    title: 'Echo',
    examples: [{ name: 'echo', summary: 'The text, echoed', payload: 'Echo: hello' }],
  },
}

// A schema with some properties described more closely than protocol.ts does.
function closer(schema: TObject, properties: TProperties): TObject {
  const { description } = schema as { description?: string }
  return Type.Object({ ...schema.properties, ...properties }, { description })
}

/** The payload of every message; server frames with what their events and messages hold. */
export const PAYLOADS: Record<ClientName | ServerName, TSchema> = {
  ...CLIENT_FRAMES,
  text: Type.String({ description: 'Any text that is not a JSON object' }),
  ...SERVER_FRAMES,
  ack: closer(SERVER_FRAMES.ack, {
    message: Type.Optional({ ...MessageSchema, description: 'The stored message' }),
  }),
  event: closer(SERVER_FRAMES.event, { event: EventView }),
  history: closer(SERVER_FRAMES.history, {
    messages: Type.Array(MessageSchema, { description: `Up to the last ${HISTORY}, oldest first` }),
  }),
  echo: Type.String({ pattern: '^Echo: ', description: 'The text sent, after `Echo: `' }),
}

const SUMMARIES: Record<'text' | 'echo', string> = {
  text: 'Text that is not a JSON object, to be echoed as the original /ws did',
  echo: 'The answer to a text frame that is not a JSON object',
}

// TypeBox schemas are JSON Schema; their symbol keys do not survive JSON.
const plain = (schema: TSchema) => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>

function message(name: ClientName | ServerName) {
  const payload = PAYLOADS[name]
  const { title, examples } = MESSAGES[name]
  const plainText = name === 'text' || name === 'echo'
  return {
    name,
    title,
    summary: plainText ? SUMMARIES[name] : String((payload as { description?: string }).description),
    contentType: plainText ? 'text/plain' : 'application/json',
    payload: plain(payload),
    examples,
  }
}

const ref = (name: ClientName | ServerName) => ({ $ref: `#/channels/ws/messages/${name}` })

// What the server receives and what it answers; `event` frames also come unasked, for topics followed.
function operation(title: string, received: ClientName, replies: ServerName[], description?: string) {
  return {
    action: 'receive',
    title,
    ...(description && { description }),
    channel: { $ref: '#/channels/ws' },
    messages: [ref(received)],
    reply: { channel: { $ref: '#/channels/ws' }, messages: replies.map(ref) },
  }
}

export interface ServerAddress {
  host: string
  secure: boolean
}

export function asyncApiDocument(server: ServerAddress) {
  const names = Object.keys(MESSAGES) as (ClientName | ServerName)[]
  return {
    asyncapi: '3.0.0',
    info: { title: 'Trestle realtime API', version: pkg.version, description: DESCRIPTION },
    defaultContentType: 'application/json',
    servers: {
      trestle: {
        host: server.host,
        protocol: server.secure ? 'wss' : 'ws',
        protocolVersion: '13',
        title: 'Trestle',
        description:
          'This server, as your request reached it. Every instance of a deployment serves the same `/ws`; with Redis, events and resumes reach across instances.',
        security: [{ $ref: '#/components/securitySchemes/accessToken' }],
      },
    },
    channels: {
      ws: {
        address: '/ws',
        title: 'The /ws connection',
        description: 'One connection carries every topic the client follows, in both directions.',
        messages: Object.fromEntries(names.map((name) => [name, { $ref: `#/components/messages/${name}` }])),
        bindings: {
          ws: {
            method: 'GET',
            headers: plain(
              Type.Object({
                Authorization: Type.Optional(
                  Type.String({ pattern: '^Bearer ', description: '`Bearer <access token>`, to sign in' }),
                ),
                'Sec-WebSocket-Protocol': Type.Optional(
                  Type.String({
                    description:
                      '`bearer, <access token>`: to sign in from a browser, which cannot set headers',
                  }),
                ),
              }),
            ),
            bindingVersion: '0.1.0',
          },
        },
      },
    },
    operations: {
      signIn: operation(
        'Sign in',
        'auth',
        ['ack', 'error'],
        'The token is checked as over REST; a refused one is answered with an error and closes the connection with 4401. A connection signs in as one user only.',
      ),
      subscribe: operation(
        'Follow a topic',
        'subscribe',
        ['event', 'resync', 'history', 'presence', 'ack', 'error'],
        'With `since`, the missed events (or `resync`) come first; a room then sends its `history` and `presence`; `ack` comes last.',
      ),
      unsubscribe: operation('Stop following a topic', 'unsubscribe', ['ack', 'error']),
      publish: operation('Post to a room', 'publish', ['ack', 'error']),
      ping: operation('Ping', 'ping', ['pong', 'error']),
      echo: operation('Echo', 'text', ['echo']),
      sendEvents: {
        action: 'send',
        title: 'Events on the topics followed',
        channel: { $ref: '#/channels/ws' },
        messages: [ref('event')],
      },
    },
    components: {
      messages: Object.fromEntries(names.map((name) => [name, message(name)])),
      securitySchemes: {
        accessToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An access token from `POST /token` (OAuth2 password grant), in `Authorization: Bearer`, in `Sec-WebSocket-Protocol: bearer, <token>` or in an `auth` frame. Optional: anonymous connections may follow `items` and `item:{id}`.',
        },
      },
    },
  }
}

// PUBLIC_URL when it is set; otherwise the request's host and scheme (behind TRUST_PROXY, the forwarded ones).
function serverAddress(request: FastifyRequest, publicUrl: string): ServerAddress {
  if (publicUrl) {
    const url = new URL(publicUrl)
    return { host: url.host, secure: url.protocol === 'https:' }
  }
  return { host: request.host, secure: request.protocol === 'https' }
}

async function asyncApiPlugin(app: FastifyInstance, options: { publicUrl?: string }) {
  app.get('/asyncapi.json', { schema: { hide: true } }, async (request) =>
    asyncApiDocument(serverAddress(request, options.publicUrl ?? '')),
  )
}

export default fp(asyncApiPlugin, { name: 'asyncapi' })
