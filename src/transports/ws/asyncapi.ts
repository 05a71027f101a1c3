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
import { type ClientName, MESSAGES, type ServerName } from './asyncapi-messages.ts'
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
(\`presence\`), then its messages and joins and leaves as events. A room keeps a bounded history (its newest
messages, and optionally only recent ones, as the operator sets); older messages are deleted. Posting to a room needs a signed-in connection.

**Delivery.** Live events are delivered at most once: to the connections following the topic when the event is
published. Each carries its \`topic\` and an \`offset\` that grows within the topic. After a reconnect, subscribe
with \`since\` set to the last offset you saw: what you missed comes first, at least once, from a bounded buffer
of about 1000 events per topic (in the process, or a capped Redis Stream per topic when the server runs with
Redis, so that any instance can resume you), and no live event overtakes it. When the buffer no longer holds
them (or the server restarted without Redis) you get \`resync\` instead: fetch the current state over REST or
GraphQL and follow on from there. Replay reads that buffer, not the stored history, so deleting old messages
never changes what a resume delivers.

**Limits.** Every frame counts against the caller's rate limit (an \`error\` with \`retry_after\`, then 1008);
frames are at most \`WS_MAX_MESSAGE\` bytes; a connection that does not answer a ping within \`WS_HEARTBEAT\`
seconds is dropped.

**Close codes.**

| code | meaning |
| --- | --- |
${closeCodes}`

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
