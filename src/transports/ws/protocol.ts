// The /ws protocol: every frame is a JSON object with a `type`. Client frames are validated against these
// schemas (which also generate the AsyncAPI document); server frames are documented by them. A text frame that
// is not a JSON object is echoed back as `Echo: {text}`, as the original system did.
import type { ValidateFunction } from 'ajv'
import { type Static, type TSchema, Type } from 'typebox'
import { firstError, validatorOf } from '../../domain/check.ts'
import { MESSAGE_TEXT, ROOM_NAME } from '../../domain/rooms.ts'

/** Close codes, documented in the AsyncAPI document and the README. */
export const CLOSE = {
  /** The server is shutting down: reconnect, to another instance. */
  goingAway: 1001,
  /** Kept sending past the rate limit, or too many connections. */
  policy: 1008,
  /** A frame larger than WS_MAX_MESSAGE. */
  tooBig: 1009,
  /** The access token expired without a fresh one, or was refused. */
  unauthorized: 4401,
  /** The account was disabled or deleted. */
  forbidden: 4403,
  /** An anonymous connection said nothing within WS_AUTH_TIMEOUT. */
  silent: 4408,
  /** The client did not read what it was sent: its send buffer passed WS_MAX_BUFFER. */
  slowConsumer: 4429,
} as const

const id = Type.Optional(
  Type.String({
    maxLength: 64,
    description: 'Any text of the client’s; the ack or error answering this frame repeats it',
  }),
)
const topic = Type.String({
  maxLength: 100,
  description: '`items`, `item:{id}`, `notifications` (your own) or `room:{name}`',
  examples: ['items', 'item:0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11', 'notifications', 'room:lobby'],
})
const offset = Type.String({
  maxLength: 64,
  pattern: '^\\d+-\\d+$',
  description: 'The offset of the last event seen on this topic',
  examples: ['1795641381792-3'],
})

export const AuthFrame = Type.Object(
  { type: Type.Literal('auth'), token: Type.String({ minLength: 1, maxLength: 8192 }), id },
  { additionalProperties: false, description: 'Sign in, or renew the token before it expires' },
)
export const SubscribeFrame = Type.Object(
  { type: Type.Literal('subscribe'), topic, since: Type.Optional(offset), id },
  { additionalProperties: false, description: 'Follow a topic; with `since`, first receive what you missed' },
)
export const UnsubscribeFrame = Type.Object(
  { type: Type.Literal('unsubscribe'), topic, id },
  { additionalProperties: false, description: 'Stop following a topic; leaving a room tells its members' },
)
export const PublishFrame = Type.Object(
  {
    type: Type.Literal('publish'),
    topic: Type.String({
      maxLength: 5 + ROOM_NAME.maxLength,
      pattern: '^room:',
      description: '`room:{name}`',
    }),
    text: Type.String({
      description: `The message, at most ${MESSAGE_TEXT.maxLength} characters`,
      examples: ['Hello!'],
    }),
    id,
  },
  { additionalProperties: false, description: 'Post a message to a room (signed in)' },
)
export const PingFrame = Type.Object(
  { type: Type.Literal('ping'), id },
  { additionalProperties: false, description: 'Ask whether the connection still works; answered with pong' },
)

export const CLIENT_FRAMES = {
  auth: AuthFrame,
  subscribe: SubscribeFrame,
  unsubscribe: UnsubscribeFrame,
  publish: PublishFrame,
  ping: PingFrame,
} as const

export type ClientFrame = {
  [K in keyof typeof CLIENT_FRAMES]: Static<(typeof CLIENT_FRAMES)[K]>
}[keyof typeof CLIENT_FRAMES]

const FRAME_TYPES: ReadonlyMap<string, TSchema> = new Map(Object.entries(CLIENT_FRAMES))

/** What is wrong with a frame: its field (a JSON pointer) and why. */
export interface FrameError {
  code: 'unknown-type' | 'invalid-frame'
  field?: string
  message: string
}

/** A client frame, or what is wrong with it. */
export function readFrame(value: Record<string, unknown>): ClientFrame | FrameError {
  // Compiled on the first frame of its type (validatorOf keeps it), not when the module loads.
  const schema = typeof value.type === 'string' ? FRAME_TYPES.get(value.type) : undefined
  const validator: ValidateFunction | undefined = schema && validatorOf(schema)
  if (!validator) {
    return {
      code: 'unknown-type',
      field: '/type',
      message: `type must be one of ${Object.keys(CLIENT_FRAMES).join(', ')}`,
    }
  }
  if (validator(value)) return value as ClientFrame
  const first = firstError(validator)
  const params = (first?.params ?? {}) as { additionalProperty?: string; missingProperty?: string }
  const path = first?.instancePath ?? ''
  if (params.missingProperty !== undefined) {
    return { code: 'invalid-frame', field: `${path}/${params.missingProperty}`, message: 'is required' }
  }
  if (params.additionalProperty !== undefined) {
    return {
      code: 'invalid-frame',
      field: `${path}/${params.additionalProperty}`,
      message: 'is not a known field',
    }
  }
  return { code: 'invalid-frame', field: path || '/', message: first?.message ?? 'is invalid' }
}

const member = Type.Object({ id: Type.String(), name: Type.String() })

/** Frames the server sends, for the AsyncAPI document. */
export const SERVER_FRAMES = {
  ack: Type.Object(
    {
      type: Type.Literal('ack'),
      id: Type.Optional(Type.String()),
      topic: Type.Optional(topic),
      user: Type.Optional(Type.Union([member, Type.Null()])),
      message: Type.Optional(
        Type.Object({}, { additionalProperties: true, description: 'The stored message' }),
      ),
    },
    {
      description:
        'A client frame succeeded: `auth` (with `user`), `subscribe` and `unsubscribe` (with `topic`), `publish` (with `topic` and the stored `message`)',
    },
  ),
  event: Type.Object(
    {
      type: Type.Literal('event'),
      topic,
      offset: Type.String({ description: 'Grows with every event of the topic; send it back as `since`' }),
      event: Type.Object(
        { type: Type.String({ examples: ['item.created', 'message.posted', 'notification', 'presence'] }) },
        { additionalProperties: true },
      ),
    },
    { description: 'Something happened on a topic you follow' },
  ),
  history: Type.Object(
    {
      type: Type.Literal('history'),
      topic,
      messages: Type.Array(Type.Object({}, { additionalProperties: true })),
    },
    { description: 'The last messages of a room you joined, oldest first' },
  ),
  presence: Type.Object(
    { type: Type.Literal('presence'), topic, members: Type.Array(member) },
    { description: 'Who is in a room you joined; later joins and leaves come as presence events' },
  ),
  resync: Type.Object(
    { type: Type.Literal('resync'), topic, id: Type.Optional(Type.String()) },
    { description: 'What you missed is no longer kept: fetch the current state again' },
  ),
  error: Type.Object(
    {
      type: Type.Literal('error'),
      id: Type.Optional(Type.String()),
      code: Type.String({
        description: 'What went wrong; the same words as the domain’s errors over REST and GraphQL',
        examples: [
          'unknown-type',
          'invalid-frame',
          'invalid-input',
          'unauthenticated',
          'forbidden',
          'rate-limited',
          'unavailable',
          'internal',
        ],
      }),
      message: Type.String(),
      field: Type.Optional(Type.String({ description: 'JSON pointer of the offending field' })),
      retry_after: Type.Optional(
        Type.Integer({ description: 'Seconds to wait (rate-limited, unavailable)' }),
      ),
    },
    { description: 'A client frame failed; the connection stays open, except after a refused `auth` (4401)' },
  ),
  pong: Type.Object(
    { type: Type.Literal('pong'), id: Type.Optional(Type.String()) },
    { description: 'Answers a ping' },
  ),
} as const
