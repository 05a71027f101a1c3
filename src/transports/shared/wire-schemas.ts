// The JSON shapes of items and room messages as every transport sends them (REST bodies, WebSocket frames,
// the AsyncAPI and OpenAPI documents), built from the domain's field rules; src/transports/shared/views.ts
// writes the values.
import { Type } from 'typebox'
import {
  Description,
  ItemName,
  MessageText,
  Nullable,
  RoomName,
  TagList,
  Tags,
  Uuid,
} from '../../domain/fields.ts'
import { Price } from '../../domain/money.ts'

const itemId = '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11'
const ownerId = '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f'

export const itemIdField = { ...Uuid, description: 'Item id', examples: [itemId] }
export const itemNameField = { ...ItemName, examples: ['Teapot'] }
// The Price rule in dollars: ajv's multipleOf allows a little float error, so the edge's exact conversion
// (src/transports/shared/money.ts) and the domain's rule have the last word, with this same reason.
export const priceField = Type.Number({
  minimum: Price.minimum / 100,
  maximum: Price.maximum / 100,
  multipleOf: 0.01,
  errorMessage: Price.errorMessage,
  description: 'USD, at most two decimals; stored exactly as cents',
  examples: [9.99],
})
export const descriptionField = Nullable(Description, { examples: ['Short and stout'] })
export const tagListField = { ...TagList, examples: [['kitchen', 'tea']] }
const timestamp = Type.String({ format: 'date-time', examples: ['2026-11-24T18:00:00.000Z'] })

export const itemExample = {
  id: itemId,
  name: 'Teapot',
  price: 9.99,
  description: 'Short and stout',
  tags: ['kitchen', 'tea'],
  owner_id: ownerId,
  version: 1,
  created_at: '2026-11-24T18:00:00.000Z',
  updated_at: '2026-11-24T18:00:00.000Z',
}

export const ItemSchema = Type.Object(
  {
    id: itemIdField,
    name: itemNameField,
    price: priceField,
    description: descriptionField,
    tags: { ...Tags, description: 'Lower-cased, each once', examples: [['kitchen', 'tea']] },
    owner_id: Type.String({ format: 'uuid', description: 'The owner’s user id' }),
    version: Type.Integer({ minimum: 1, description: 'Grows by one with every change; the ETag carries it' }),
    created_at: timestamp,
    updated_at: timestamp,
  },
  { examples: [itemExample] },
)

const messageId = '0191f2a4-7d2f-7b46-8c3a-4e5f6a7b8c9d'
const authorId = '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f'

export const roomField = {
  ...RoomName,
  description: `The room: up to ${RoomName.maxLength} lower-case letters, digits, \`_\` or \`-\`, starting with a letter or digit`,
  examples: ['lobby'],
}
export const messageTextField = {
  ...MessageText,
  description: `At most ${MessageText.maxLength} characters, not blank`,
  examples: ['Hello, room!'],
}

export const messageExample = {
  id: messageId,
  room: 'lobby',
  author: { id: authorId, name: 'alice' },
  text: 'Hello, room!',
  created_at: '2026-11-24T18:00:00.000Z',
}

export const MessageSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Message id' }),
    room: roomField,
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
