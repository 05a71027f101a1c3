import { CurrencyCode, Description, ItemName, SearchText, Tag, Tags, Uuid } from '../../../domain/fields.ts'
import type { ItemSort } from '../../../domain/items.ts'
import { Price } from '../../../domain/money.ts'
import { centsOf } from '../../shared/money.ts'
import { builder } from '../builder.ts'
import { decodeItemCursor, itemPage } from './item-pages.ts'
import { ItemConnection, ItemRef, UserRef } from './refs.ts'
import { ruleDoc } from './rule-docs.ts'

const ItemSortEnum = builder.enumType('ItemSort', {
  values: {
    NEWEST: { value: '-created_at' },
    OLDEST: { value: 'created_at' },
    PRICE_ASC: { value: 'price' },
    PRICE_DESC: { value: '-price' },
    NAME_ASC: { value: 'name' },
    NAME_DESC: { value: '-name' },
  } as const,
})

ItemRef.implement({
  description: 'A catalog item. Anyone may read it; its owner or an admin may change it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    price: t.field({
      type: 'Money',
      description:
        'The price in USD, or converted to `currency`: exact, rounded half-even to its ISO 4217 minor unit (JPY has none). The rate and its date are in the response’s `extensions.exchangeRates`. A currency without a rate is BAD_USER_INPUT naming those there are; no rate at all is SERVICE_UNAVAILABLE.',
      args: {
        currency: t.arg.string({ defaultValue: 'USD', description: ruleDoc(CurrencyCode, 'ISO 4217 code') }),
      },
      resolve: (item, { currency }, ctx) => {
        if (currency === 'USD' || currency == null) return item.priceCents
        return ctx.services.rates.converterTo(currency).then((convert) => {
          const converted = convert(item.priceCents)
          const { rate, asOf, stale } = converted
          ctx.exchangeRates?.set(converted.currency, { base: 'USD', rate, asOf, stale })
          return converted.amount
        })
      },
    }),
    description: t.string({ nullable: true, resolve: (item) => item.description }),
    tags: t.exposeStringList('tags'),
    version: t.exposeInt('version', {
      description: 'Grows with every change; pass as ifVersion to update safely',
    }),
    owner: t.field({
      type: UserRef,
      nullable: true,
      // Batched: all owners asked for at one level of the query load in one query.
      resolve: (item, _args, ctx) => ctx.loaders.user.load(item.ownerId),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (item) => item.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (item) => item.updatedAt }),
  }),
})

const ItemsFilter = builder.inputType('ItemsFilter', {
  fields: (t) => ({
    q: t.string({
      description: ruleDoc(SearchText, 'Text in the name or description (counts double, as in REST)'),
    }),
    minPrice: t.field({ type: 'Money', description: ruleDoc(Price, 'Lowest price, inclusive') }),
    maxPrice: t.field({ type: 'Money', description: ruleDoc(Price, 'Highest price, inclusive') }),
    ownerId: t.id({ description: ruleDoc(Uuid, 'Only items of this user') }),
    tag: t.string({ description: ruleDoc(Tag, 'Only items with this tag') }),
  }),
})

const TAGS = `Each tag ${Tag.errorMessage}; once lower-cased and deduplicated, the list ${Tags.errorMessage}.`

const CreateItemInput = builder.inputType('CreateItemInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: ruleDoc(ItemName) }),
    price: t.field({ type: 'Money', required: true, description: ruleDoc(Price) }),
    description: t.string({ description: ruleDoc(Description) }),
    tags: t.stringList({ description: TAGS }),
  }),
})

const UpdateItemInput = builder.inputType('UpdateItemInput', {
  fields: (t) => ({
    name: t.string({ description: ruleDoc(ItemName) }),
    price: t.field({ type: 'Money', description: ruleDoc(Price) }),
    description: t.string({ description: ruleDoc(Description, 'Null clears it') }),
    tags: t.stringList({ description: TAGS }),
  }),
})

builder.queryFields((t) => ({
  item: t.field({
    type: ItemRef,
    nullable: true,
    description: 'An item by id; null when there is none',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      try {
        return await ctx.services.items.get(String(id))
      } catch (error) {
        if ((error as { code?: string }).code === 'not-found') return null
        throw error
      }
    },
  }),
  items: t.field({
    type: ItemConnection,
    description: 'The catalog, filtered and sorted',
    args: {
      first: t.arg.int({ required: true }),
      after: t.arg.string(),
      filter: t.arg({ type: ItemsFilter }),
      sort: t.arg({ type: ItemSortEnum, defaultValue: '-created_at' }),
    },
    resolve: async (_root, { first, after, filter, sort }, ctx) => {
      const order = (sort ?? '-created_at') as ItemSort
      const page = await ctx.services.items.list({
        limit: first,
        sort: order,
        ...(after ? { after: decodeItemCursor(after, order) } : {}),
        ...(filter?.q != null && { q: filter.q }),
        ...(filter?.tag != null && { tag: filter.tag }),
        ...(filter?.ownerId != null && { ownerId: String(filter.ownerId) }),
        ...(filter?.minPrice != null && { minPriceCents: centsOf(filter.minPrice) }),
        ...(filter?.maxPrice != null && { maxPriceCents: centsOf(filter.maxPrice) }),
      })
      return itemPage(page.items, first, order, page.next !== undefined)
    },
  }),
}))

builder.mutationFields((t) => ({
  createItem: t.field({
    type: ItemRef,
    description: 'Creates an item you own (scope items:write)',
    args: { input: t.arg({ type: CreateItemInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.services.items.create(ctx.actor, {
        name: input.name,
        priceCents: centsOf(input.price),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.tags != null && { tags: input.tags }),
      }),
  }),
  updateItem: t.field({
    type: ItemRef,
    description:
      'Changes an item (owner or admin). With ifVersion, fails with PRECONDITION_FAILED if it changed meanwhile.',
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: UpdateItemInput, required: true }),
      ifVersion: t.arg.int(),
    },
    resolve: (_root, { id, input, ifVersion }, ctx) =>
      ctx.services.items.update(
        ctx.actor,
        String(id),
        {
          ...(input.name != null && { name: input.name }),
          ...(input.price != null && { priceCents: centsOf(input.price) }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.tags != null && { tags: input.tags }),
        },
        ifVersion == null ? undefined : [ifVersion],
      ),
  }),
  watchItem: t.boolean({
    description: 'Watch an item: its price changes arrive on the `notifications` subscription',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      await ctx.services.items.watch(ctx.actor, String(id))
      return true
    },
  }),
  unwatchItem: t.boolean({
    description: 'Stop watching an item',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      await ctx.services.items.unwatch(ctx.actor, String(id))
      return true
    },
  }),
  deleteItem: t.id({
    description: 'Deletes an item (owner or admin); returns its id',
    args: { id: t.arg.id({ required: true }), ifVersion: t.arg.int() },
    resolve: async (_root, { id, ifVersion }, ctx) => {
      await ctx.services.items.delete(ctx.actor, String(id), ifVersion == null ? undefined : [ifVersion])
      return String(id)
    },
  }),
}))
