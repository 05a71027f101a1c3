// Shapes of the /items endpoints, built from the domain's field rules (src/domain/fields.ts), so ajv enforces
// exactly what the domain does and the OpenAPI document shows it. Prices are USD numbers with two decimals.
import { Type } from 'typebox'
import {
  Description,
  ItemName,
  ItemSortRule,
  Nullable,
  PAGE,
  PageLimit,
  SearchText,
  Tag,
  TagList,
  Tags,
  Uuid,
} from '../../../domain/fields.ts'
import { Price } from '../../../domain/money.ts'
import { ConvertedPrice, CurrencyParam } from '../rates/schemas.ts'

const itemId = '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11'
const ownerId = '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f'

const id = { ...Uuid, description: 'Item id', examples: [itemId] }
const name = { ...ItemName, examples: ['Teapot'] }
// The Price rule in dollars: ajv's multipleOf allows a little float error, so the edge's exact conversion
// (src/transports/shared/money.ts) and the domain's rule have the last word, with this same reason.
const price = Type.Number({
  minimum: Price.minimum / 100,
  maximum: Price.maximum / 100,
  multipleOf: 0.01,
  errorMessage: Price.errorMessage,
  description: 'USD, at most two decimals; stored exactly as cents',
  examples: [9.99],
})
const description = Nullable(Description, { examples: ['Short and stout'] })
const tagList = { ...TagList, examples: [['kitchen', 'tea']] }
const timestamp = Type.String({ format: 'date-time', examples: ['2026-11-24T18:00:00.000Z'] })

const itemExample = {
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
    id,
    name,
    price,
    description,
    tags: { ...Tags, description: 'Lower-cased, each once', examples: [['kitchen', 'tea']] },
    owner_id: Type.String({ format: 'uuid', description: 'The owner’s user id' }),
    version: Type.Integer({ minimum: 1, description: 'Grows by one with every change; the ETag carries it' }),
    created_at: timestamp,
    updated_at: timestamp,
  },
  { examples: [itemExample] },
)

/** An item as GET answers it: with its price converted when `currency` was asked for. */
export const ItemReadSchema = Type.Object(
  { ...ItemSchema.properties, converted_price: Type.Optional(ConvertedPrice) },
  {
    examples: [
      itemExample,
      {
        ...itemExample,
        converted_price: {
          currency: 'EUR',
          amount: '9.22',
          rate: '0.9234',
          as_of: '2026-11-24',
          stale: false,
        },
      },
    ],
  },
)

export const ItemParams = Type.Object({ id })

export const ItemQuery = Type.Object({ currency: Type.Optional(CurrencyParam) })

export const CreateItemBody = Type.Object(
  { name, price, description: Type.Optional(description), tags: Type.Optional(tagList) },
  {
    additionalProperties: false,
    examples: [{ name: 'Teapot', price: 9.99, description: 'Short and stout', tags: ['kitchen', 'tea'] }],
  },
)

export const UpdateItemBody = Type.Object(
  {
    name: Type.Optional(name),
    price: Type.Optional(price),
    description: Type.Optional(description),
    tags: Type.Optional(tagList),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    examples: [{ price: 12.5 }, { name: 'Big teapot', tags: ['tea'] }],
  },
)

export const ListItemsQuery = Type.Object(
  {
    limit: Type.Optional({ ...PageLimit, default: PAGE.defaultLimit, description: 'Page size' }),
    cursor: Type.Optional(
      Type.String({ maxLength: 512, description: 'The `next_cursor` of the previous page' }),
    ),
    q: Type.Optional({ ...SearchText, description: 'Text in the name or description' }),
    min_price: Type.Optional({ ...price, description: 'Lowest price, inclusive' }),
    max_price: Type.Optional({ ...price, description: 'Highest price, inclusive' }),
    owner: Type.Optional({ ...Uuid, description: 'Only items of this user id' }),
    tag: Type.Optional({ ...Tag, description: 'Only items with this tag' }),
    sort: Type.Optional({
      ...ItemSortRule,
      default: '-created_at',
      description: 'Field to sort by; `-` for descending',
    }),
    currency: Type.Optional(CurrencyParam),
  },
  { additionalProperties: false },
)

export const ItemPageSchema = Type.Object(
  {
    items: Type.Array(ItemReadSchema),
    next_cursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page',
    }),
  },
  { examples: [{ items: [itemExample], next_cursor: null }] },
)

export const ETagHeader = Type.String({
  description: 'The item’s version, for If-None-Match and If-Match',
  examples: ['"1"'],
})
