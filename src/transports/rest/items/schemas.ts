// Shapes of the /items endpoints. Limits come from the domain; prices are USD numbers with two decimals.
import { Type } from 'typebox'
import { NO_NUL_PATTERN, UUID_PATTERN } from '../../../domain/ids.ts'
import { ITEM_DESCRIPTION, ITEM_NAME, ITEM_TAGS, PAGE } from '../../../domain/items.ts'
import { MAX_PRICE } from '../../../domain/money.ts'

const itemId = '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11'
const ownerId = '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f'

const id = Type.String({ pattern: UUID_PATTERN, description: 'Item id', examples: [itemId] })
const name = Type.String({ ...ITEM_NAME, pattern: NO_NUL_PATTERN, examples: ['Teapot'] })
const price = Type.Number({
  minimum: 0,
  maximum: MAX_PRICE,
  multipleOf: 0.01,
  description: 'USD, at most two decimals; stored exactly as cents',
  examples: [9.99],
})
const description = Type.Union(
  [Type.String({ maxLength: ITEM_DESCRIPTION.maxLength, pattern: NO_NUL_PATTERN }), Type.Null()],
  {
    examples: ['Short and stout'],
  },
)
const tags = Type.Array(
  Type.String({ minLength: 1, maxLength: ITEM_TAGS.maxLength, pattern: ITEM_TAGS.pattern }),
  {
    maxItems: ITEM_TAGS.maxItems,
    description: 'Lower-cased, duplicates removed',
    examples: [['kitchen', 'tea']],
  },
)
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
    tags,
    owner_id: Type.String({ format: 'uuid', description: 'The owner’s user id' }),
    version: Type.Integer({ minimum: 1, description: 'Grows by one with every change; the ETag carries it' }),
    created_at: timestamp,
    updated_at: timestamp,
  },
  { examples: [itemExample] },
)

export const ItemParams = Type.Object({ id })

export const CreateItemBody = Type.Object(
  { name, price, description: Type.Optional(description), tags: Type.Optional(tags) },
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
    tags: Type.Optional(tags),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    examples: [{ price: 12.5 }, { name: 'Big teapot', tags: ['tea'] }],
  },
)

export const SORTS = ['created_at', '-created_at', 'price', '-price', 'name', '-name'] as const

export const ListItemsQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: PAGE.maxLimit,
        default: PAGE.defaultLimit,
        description: 'Page size',
      }),
    ),
    cursor: Type.Optional(
      Type.String({ maxLength: 512, description: 'The `next_cursor` of the previous page' }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: NO_NUL_PATTERN,
        description: 'Text in the name or description',
      }),
    ),
    min_price: Type.Optional({ ...price, description: 'Lowest price, inclusive' }),
    max_price: Type.Optional({ ...price, description: 'Highest price, inclusive' }),
    owner: Type.Optional(Type.String({ pattern: UUID_PATTERN, description: 'Only items of this user id' })),
    tag: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: ITEM_TAGS.maxLength,
        pattern: NO_NUL_PATTERN,
        description: 'Only items with this tag',
      }),
    ),
    sort: Type.Optional(
      Type.Enum([...SORTS], { default: '-created_at', description: 'Field to sort by; `-` for descending' }),
    ),
  },
  { additionalProperties: false },
)

export const ItemPageSchema = Type.Object(
  {
    items: Type.Array(ItemSchema),
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
