// Shapes of the /rooms endpoints, built from the domain's field rules (src/domain/fields.ts), so ajv refuses
// what the domain would, with the same reason. Messages look as src/transports/shared/views.ts writes them,
// snake_case like the rest of the REST API.
import { Type } from 'typebox'
import { MessageText, PageLimit, RoomName } from '../../../domain/fields.ts'
import { MESSAGE_PAGE } from '../../../domain/rooms.ts'

const messageId = '0191f2a4-7d2f-7b46-8c3a-4e5f6a7b8c9d'
const authorId = '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f'
const cursorExample =
  'WyJsb2JieSIsIjIwMjYtMTEtMjRUMTg6MDA6MDAuMDAwWiIsIjAxOTFmMmE0LTdkMmYtN2I0Ni04YzNhLTRlNWY2YTdiOGM5ZCJd'

const room = {
  ...RoomName,
  description: `The room: up to ${RoomName.maxLength} lower-case letters, digits, \`_\` or \`-\`, starting with a letter or digit`,
  examples: ['lobby'],
}
const text = {
  ...MessageText,
  description: `At most ${MessageText.maxLength} characters, not blank`,
  examples: ['Hello, room!'],
}

const messageExample = {
  id: messageId,
  room: 'lobby',
  author: { id: authorId, name: 'alice' },
  text: 'Hello, room!',
  created_at: '2026-11-24T18:00:00.000Z',
}

export const MessageSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Message id' }),
    room,
    author: Type.Object(
      {
        id: Type.String({ format: 'uuid', description: 'The author’s user id' }),
        name: Type.String({ description: 'The author’s username' }),
      },
      { description: 'Who posted it' },
    ),
    text: Type.String({ description: 'As posted' }),
    created_at: Type.String({ format: 'date-time', description: 'When it was stored' }),
  },
  { examples: [messageExample] },
)

export const RoomParams = Type.Object({ name: room })

export const PostMessageBody = Type.Object(
  { text },
  { additionalProperties: false, examples: [{ text: 'Hello, room!' }] },
)

export const ListMessagesQuery = Type.Object(
  {
    limit: Type.Optional({ ...PageLimit, default: MESSAGE_PAGE.defaultLimit, description: 'Page size' }),
    cursor: Type.Optional(
      Type.String({
        maxLength: 512,
        description: 'The `next_cursor` of the previous page',
        examples: [cursorExample],
      }),
    ),
  },
  { additionalProperties: false },
)

export const MessagePageSchema = Type.Object(
  {
    messages: Type.Array(MessageSchema, { description: 'Newest first' }),
    next_cursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the page of older messages; null on the last page',
    }),
  },
  { examples: [{ messages: [messageExample], next_cursor: cursorExample }] },
)
