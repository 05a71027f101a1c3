// The `event` of an event frame, as src/transports/shared/views.ts writes it, for the AsyncAPI document: one
// shape per domain event. Items and messages are the REST bodies' own schemas, since the same views make both.
import { Type } from 'typebox'
import { ItemSchema, MessageSchema } from '../shared/wire-schemas.ts'

const at = Type.String({ format: 'date-time', description: 'When it happened' })
const uuid = (description: string) => Type.String({ format: 'uuid', description })
const dollars = (description: string) => Type.Number({ description: `${description}, USD` })

export const ItemChanged = Type.Object(
  {
    type: Type.Union([Type.Literal('item.created'), Type.Literal('item.updated')]),
    at,
    item: { ...ItemSchema, description: 'The item as it is now, as `GET /items/{id}` shows it' },
  },
  { title: 'item.created, item.updated', description: 'On `items` and `item:{id}`' },
)

export const ItemDeleted = Type.Object(
  {
    type: Type.Literal('item.deleted'),
    at,
    item_id: uuid('The deleted item'),
    owner_id: uuid('Its owner'),
  },
  { title: 'item.deleted', description: 'On `items` and `item:{id}`' },
)

export const Notification = Type.Object(
  {
    type: Type.Literal('notification'),
    at,
    notification: Type.Object({
      kind: Type.Literal('price-changed'),
      item_id: uuid('The watched item'),
      item_name: Type.String(),
      old_price: dollars('The price before'),
      new_price: dollars('The price now'),
    }),
  },
  {
    title: 'notification',
    description: 'On `notifications`: someone else changed the price of an item you watch',
  },
)

export const MessagePosted = Type.Object(
  {
    type: Type.Literal('message.posted'),
    at,
    message: { ...MessageSchema, description: 'As `GET /rooms/{name}/messages` shows it' },
  },
  { title: 'message.posted', description: 'On `room:{name}`' },
)

export const PresenceChanged = Type.Object(
  {
    type: Type.Literal('presence'),
    at,
    change: Type.Union([Type.Literal('joined'), Type.Literal('left')]),
    member: Type.Object({ id: uuid('The user'), name: Type.String({ description: 'Their username' }) }),
  },
  {
    title: 'presence',
    description: 'On `room:{name}`: a user’s first connection joined the room, or their last one left it',
  },
)

export const EventView = Type.Union(
  [ItemChanged, ItemDeleted, Notification, MessagePosted, PresenceChanged],
  {
    description: 'What happened; `type` tells which',
  },
)
