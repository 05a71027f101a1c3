// Chat rooms over GraphQL: a room's messages as a connection, posting, and new messages as they are posted
// (from the event bus, so from every transport and, with Redis, every instance). Rooms are for signed-in
// users; the rule is the domain's (RoomService, busTopic).
import type { MaybeActor } from '../../../domain/actor.ts'
import { InvalidInputError } from '../../../domain/errors.ts'
import type { DomainEvent } from '../../../domain/events.ts'
import { requireActor } from '../../../domain/policy.ts'
import {
  checkRoomName,
  type MessageCursor,
  type MessagePage,
  type RoomMessage,
} from '../../../domain/rooms.ts'
import { busTopic, topicsOf } from '../../../domain/topics.ts'
import { decodeMessageCursor, encodeMessageCursor } from '../../shared/message-cursor.ts'
import { builder } from '../builder.ts'
import { asGraphQLError } from '../errors.ts'
import { connection, type Page } from './connections.ts'
import { eventStream } from './event-stream.ts'

type Posted = Extract<DomainEvent, { type: 'message.posted' }>

// The author as the message carries it: no query per message, and the same as REST's `author`.
const MessageAuthorRef = builder.objectRef<{ id: string; name: string }>('MessageAuthor').implement({
  description: 'Who posted a message',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { description: 'Their username' }),
  }),
})

const RoomMessageRef = builder.objectRef<RoomMessage>('RoomMessage').implement({
  description: 'A message posted to a chat room',
  fields: (t) => ({
    id: t.exposeID('id'),
    room: t.exposeString('room'),
    author: t.field({
      type: MessageAuthorRef,
      resolve: (m) => ({ id: m.authorId, name: m.authorName }),
    }),
    text: t.exposeString('text'),
    createdAt: t.field({ type: 'DateTime', resolve: (m) => m.createdAt }),
  }),
})

const RoomMessageConnection = connection('RoomMessage', RoomMessageRef)

function messagePage(room: string, page: MessagePage): Page<RoomMessage> {
  const edges = page.messages.map((node) => ({
    cursor: encodeMessageCursor(room, { createdAt: node.createdAt, id: node.id }),
    node,
  }))
  return {
    edges,
    pageInfo: { hasNextPage: page.next !== undefined, endCursor: edges.at(-1)?.cursor ?? null },
  }
}

// Refused in REST's order (who you are, then the room, then the cursor): an anonymous caller learns nothing.
function decodeAfter(actor: MaybeActor, room: string, after: string): MessageCursor {
  requireActor(actor)
  checkRoomName(room)
  const cursor = decodeMessageCursor(after, room)
  if (!cursor) throw new InvalidInputError('/after', 'is not a cursor of this room')
  return cursor
}

builder.queryFields((t) => ({
  roomMessages: t.field({
    type: RoomMessageConnection,
    description: 'A room’s messages, newest first; `after` pages to older ones (signed-in users)',
    args: {
      room: t.arg.string({ required: true }),
      first: t.arg.int({ required: true }),
      after: t.arg.string(),
    },
    resolve: async (_root, { room, first, after }, ctx) => {
      const before = after == null ? undefined : decodeAfter(ctx.actor, room, after)
      return messagePage(room, await ctx.services.rooms.page(ctx.actor, room, first, before))
    },
  }),
}))

builder.mutationFields((t) => ({
  postMessage: t.field({
    type: RoomMessageRef,
    description: 'Posts a message to a room as you; its subscribers receive it',
    args: { room: t.arg.string({ required: true }), text: t.arg.string({ required: true }) },
    resolve: (_root, { room, text }, ctx) => ctx.services.rooms.post(ctx.actor, room, text),
  }),
}))

builder.subscriptionFields((t) => ({
  roomMessages: t.field({
    type: RoomMessageRef,
    description: 'Messages posted to a room from now on (sign in through the connection_init payload)',
    args: { room: t.arg.string({ required: true }) },
    subscribe: (_root, { room }, ctx) => {
      let topic: string
      try {
        topic = busTopic(ctx.actor, { kind: 'room', name: room })
        checkRoomName(room)
      } catch (error) {
        throw asGraphQLError(error)
      }
      return eventStream(
        ctx.services.bus,
        (event): event is Posted => event.type === 'message.posted' && topicsOf(event).includes(topic),
      )
    },
    resolve: (event) => event.message,
  }),
}))
