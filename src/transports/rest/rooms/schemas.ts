// Shapes of the /rooms endpoints, built from the domain's field rules (src/domain/fields.ts), so ajv refuses
// what the domain would, with the same reason. Messages look as src/transports/shared/views.ts writes them,
// snake_case like the rest of the REST API.
import { Type } from 'typebox'
import { PageLimit } from '../../../domain/fields.ts'
import { MESSAGE_PAGE } from '../../../domain/rooms.ts'
import {
  MessageSchema,
  messageExample,
  roomField as room,
  messageTextField as text,
} from '../../shared/wire-schemas.ts'

const cursorExample =
  'WyJsb2JieSIsIjIwMjYtMTEtMjRUMTg6MDA6MDAuMDAwWiIsIjAxOTFmMmE0LTdkMmYtN2I0Ni04YzNhLTRlNWY2YTdiOGM5ZCJd'

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
