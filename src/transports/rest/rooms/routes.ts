// Chat rooms over REST: read a room's messages a page at a time, post one. The same RoomService as the
// WebSocket and GraphQL transports, so a message posted here reaches their subscribers.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { RoomService } from '../../../domain/rooms.ts'
import { problemResponses } from '../../../plugins/problem.ts'
import { decodeMessageCursor, encodeMessageCursor } from '../../shared/message-cursor.ts'
import { messageView } from '../../shared/views.ts'
import { MessageSchema } from '../../shared/wire-schemas.ts'
import { ListMessagesQuery, MessagePageSchema, PostMessageBody, RoomParams } from './schemas.ts'

// Any signed-in user may read and post; no scope is needed.
const signedIn = [{ OAuth2: [] }]

// A cursor is refused after ajv passed it: reported as ajv's refusals are, in the query.
function badCursor(): Error {
  const reason = 'is not a cursor of this room'
  return Object.assign(new Error(`querystring/cursor ${reason}`), {
    validation: [{ instancePath: '/cursor', schemaPath: '', keyword: 'cursor', message: reason, params: {} }],
    validationContext: 'querystring',
  })
}

const roomsRoutes: FastifyPluginAsyncTypebox<{ rooms: RoomService }> = async (app, { rooms }) => {
  app.get(
    '/rooms/:name/messages',
    {
      onRequest: app.requireSignIn,
      schema: {
        tags: ['rooms'],
        summary: 'List a room’s messages',
        description:
          'Pages through a room’s messages, newest first. Follow `next_cursor` (or the `Link: rel="next"` header) for older ones. Any signed-in user may read any room; a room with no messages is an empty page. A room keeps a bounded history (its newest messages, and optionally only recent ones, as the operator sets): the last page ends where it stops.',
        security: signedIn,
        params: RoomParams,
        querystring: ListMessagesQuery,
        response: {
          200: { ...MessagePageSchema, description: 'A page of messages' },
          ...problemResponses(401, 422),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params
      const { limit, cursor } = request.query
      const before = cursor === undefined ? undefined : decodeMessageCursor(cursor, name)
      if (cursor !== undefined && !before) throw badCursor()
      const page = await rooms.page(request.actor, name, limit, before)
      const next = page.next ? encodeMessageCursor(name, page.next) : null
      if (next) {
        const url = new URL(request.url, 'http://x')
        url.searchParams.set('cursor', next)
        reply.header('link', `<${url.pathname}${url.search}>; rel="next"`)
      }
      return { messages: page.messages.map(messageView), next_cursor: next }
    },
  )

  app.post(
    '/rooms/:name/messages',
    {
      onRequest: app.requireSignIn,
      schema: {
        tags: ['rooms'],
        summary: 'Post a message',
        description:
          'Posts a message to a room as the caller. It is stored, then delivered to the room’s WebSocket and GraphQL (`roomMessages`) subscribers. There is no resource per message: `Location` names the room’s messages, where it is listed.',
        security: signedIn,
        params: RoomParams,
        body: PostMessageBody,
        response: {
          201: {
            ...MessageSchema,
            description: 'The message as stored',
            headers: {
              location: Type.String({
                description: 'The room’s messages',
                examples: ['/rooms/lobby/messages'],
              }),
            },
          },
          ...problemResponses(400, 401, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params
      const message = await rooms.post(request.actor, name, request.body.text)
      return reply.code(201).header('location', `/rooms/${name}/messages`).send(messageView(message))
    },
  )
}

export default roomsRoutes
