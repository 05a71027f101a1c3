// Shapes of the /items endpoints, built from the domain's field rules (src/domain/fields.ts), so ajv enforces
// exactly what the domain does and the OpenAPI document shows it. Prices are USD numbers with two decimals.
import { Type } from 'typebox'
import { ItemSortRule, PAGE, PageLimit, SearchText, Tag, Uuid } from '../../../domain/fields.ts'
import {
  descriptionField as description,
  ItemSchema,
  itemIdField as id,
  itemExample,
  itemNameField as name,
  priceField as price,
  tagListField as tagList,
} from '../../shared/wire-schemas.ts'
import { ConvertedPrice, CurrencyParam } from '../rates/schemas.ts'

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
