import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { ItemService } from '../../../domain/items.ts'
import type { RateService } from '../../../domain/rates.ts'
import { problemResponses } from '../../../plugins/problem.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import { centsOf } from '../../shared/money.ts'
import { conversionView } from '../../shared/rates.ts'
import { itemView } from '../../shared/views.ts'
import { ItemSchema } from '../../shared/wire-schemas.ts'
import { noBody } from '../no-body.ts'
import { inQuery, invalidQuery } from '../query-errors.ts'
import { noRatesResponse } from '../rates/routes.ts'
import { etagOf, ifMatchVersions, noneMatch } from './conditional.ts'
import {
  CreateItemBody,
  ETagHeader,
  ItemPageSchema,
  ItemParams,
  ItemQuery,
  ItemReadSchema,
  ListItemsQuery,
  UpdateItemBody,
} from './schemas.ts'

const writeScope = [{ OAuth2: ['items:write'] }]
const IfMatch = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      description: 'ETag of the version you last read; a stale one gives 412',
      examples: ['"1"'],
    }),
  ),
})

const CURRENCY =
  ' With `currency` (an ISO 4217 code), each price is also given converted, in `converted_price`: exact decimal text rounded half-even to the currency’s minor unit, with the rate and its date; a currency without a rate is 422 listing those there are, and no rate at all is 503 with `Retry-After`.'

// The converter a request asks for with `currency`, refused in the query.
async function converterFor(rates: RateService, currency: string | undefined) {
  if (currency === undefined) return undefined
  return rates.converterTo(currency).catch((error: unknown) => {
    throw inQuery(error)
  })
}

const itemsRoutes: FastifyPluginAsyncTypebox<{ items: ItemService; rates: RateService }> = async (
  app,
  { items, rates },
) => {
  app.post(
    '/items',
    {
      onRequest: app.requireSignIn,
      schema: {
        tags: ['items'],
        summary: 'Create an item',
        description: 'Creates an item owned by the caller. Needs the `items:write` scope.',
        security: writeScope,
        body: CreateItemBody,
        response: {
          201: {
            ...ItemSchema,
            description: 'The new item; `Location` names it and `ETag` carries its version',
            headers: { location: Type.String({ description: 'The new item’s URL' }), etag: ETagHeader },
          },
          ...problemResponses(400, 401, 403, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const { name, price, description, tags } = request.body
      const item = await items.create(request.actor, {
        name,
        priceCents: centsOf(price),
        ...(description !== undefined && { description }),
        ...(tags !== undefined && { tags }),
      })
      return reply
        .code(201)
        .header('location', `/items/${item.id}`)
        .header('etag', etagOf(item))
        .send(itemView(item))
    },
  )

  app.get(
    '/items',
    {
      // A text search scans more rows than a keyed listing, so it costs two requests' worth.
      config: { rateLimit: { cost: (request) => ((request.query as { q?: string }).q ? 2 : 1) } },
      schema: {
        tags: ['items'],
        summary: 'List items',
        description: `Pages through the catalog, newest first unless \`sort\` says otherwise. Filters combine with AND. Follow \`next_cursor\` (or the \`Link: rel="next"\` header) for the next page. A request with \`q\` counts as two against your rate limit.${CURRENCY}`,
        querystring: ListItemsQuery,
        response: {
          200: { ...ItemPageSchema, description: 'A page of items' },
          ...problemResponses(422),
          ...noRatesResponse(),
        },
      },
    },
    async (request, reply) => {
      const {
        cursor,
        sort = '-created_at',
        min_price,
        max_price,
        owner,
        limit,
        q,
        tag,
        currency,
      } = request.query
      const after = cursor === undefined ? undefined : decodeCursor(cursor, sort)
      if (cursor !== undefined && !after) throw invalidQuery('/cursor', 'is not a cursor of this listing')
      const page = await items
        .list({
          sort,
          ...(limit !== undefined && { limit }),
          ...(q !== undefined && { q }),
          ...(tag !== undefined && { tag }),
          ...(owner !== undefined && { ownerId: owner }),
          ...(min_price !== undefined && { minPriceCents: centsOf(min_price) }),
          ...(max_price !== undefined && { maxPriceCents: centsOf(max_price) }),
          ...(after !== undefined && { after }),
        })
        .catch((error: unknown) => {
          throw inQuery(error)
        })
      const convert = await converterFor(rates, currency)
      const next = page.next ? encodeCursor(sort, page.next) : null
      if (next) {
        const url = new URL(request.url, 'http://x')
        url.searchParams.set('cursor', next)
        reply.header('link', `<${url.pathname}${url.search}>; rel="next"`)
      }
      const views = page.items.map((item) =>
        convert
          ? { ...itemView(item), converted_price: conversionView(convert(item.priceCents)) }
          : itemView(item),
      )
      return { items: views, next_cursor: next }
    },
  )

  app.get(
    '/items/:id',
    {
      schema: {
        tags: ['items'],
        summary: 'Get an item',
        description: `Returns one item with its \`ETag\`. Send the ETag back in \`If-None-Match\` to get \`304 Not Modified\` while it is unchanged.${CURRENCY} The ETag of a converted item names the rate too, so it changes when the rate does; use the plain one in \`If-Match\`.`,
        params: ItemParams,
        querystring: ItemQuery,
        headers: Type.Object({ 'if-none-match': Type.Optional(Type.String({ examples: ['"1"'] })) }),
        response: {
          200: { ...ItemReadSchema, description: 'The item', headers: { etag: ETagHeader } },
          304: { type: 'null', description: 'Not modified: your copy is current' },
          ...problemResponses(404, 422),
          ...noRatesResponse(),
        },
      },
    },
    async (request, reply) => {
      const item = await items.get(request.params.id)
      const convert = await converterFor(rates, request.query.currency)
      const converted = convert?.(item.priceCents)
      const etag = etagOf(item, converted)
      reply.header('etag', etag)
      if (!noneMatch(request.headers['if-none-match'], etag)) return noBody(reply, 304)
      return converted ? { ...itemView(item), converted_price: conversionView(converted) } : itemView(item)
    },
  )

  app.patch(
    '/items/:id',
    {
      onRequest: app.requireSignIn,
      schema: {
        tags: ['items'],
        summary: 'Edit an item',
        description:
          'Changes the fields sent. Only the owner or an admin may. Send `If-Match` with the ETag you read to make sure you are not overwriting a change you have not seen: a stale ETag gives 412.',
        security: writeScope,
        params: ItemParams,
        headers: IfMatch,
        body: UpdateItemBody,
        response: {
          200: { ...ItemSchema, description: 'The item as changed', headers: { etag: ETagHeader } },
          ...problemResponses(400, 401, 403, 404, 412, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const { name, price, description, tags } = request.body
      const item = await items.update(
        request.actor,
        request.params.id,
        {
          ...(name !== undefined && { name }),
          ...(price !== undefined && { priceCents: centsOf(price) }),
          ...(description !== undefined && { description }),
          ...(tags !== undefined && { tags }),
        },
        ifMatchVersions(request.headers['if-match']),
      )
      return reply.header('etag', etagOf(item)).send(itemView(item))
    },
  )

  app.delete(
    '/items/:id',
    {
      onRequest: app.requireSignIn,
      schema: {
        tags: ['items'],
        summary: 'Delete an item',
        description: 'Deletes an item. Only the owner or an admin may. `If-Match` works as for PATCH.',
        security: writeScope,
        params: ItemParams,
        headers: IfMatch,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...problemResponses(401, 403, 404, 412, 422),
        },
      },
    },
    async (request, reply) => {
      await items.delete(request.actor, request.params.id, ifMatchVersions(request.headers['if-match']))
      return noBody(reply, 204)
    },
  )

  const watchSchema = (summary: string, description: string) => ({
    tags: ['items'],
    summary,
    description,
    security: [{ OAuth2: [] }],
    params: ItemParams,
    response: { 204: { type: 'null', description: 'Done' }, ...problemResponses(401, 404, 422) },
  })

  app.put(
    '/items/:id/watch',
    {
      onRequest: app.requireSignIn,
      schema: watchSchema(
        'Watch an item',
        'Starts watching an item: when its price changes you get a `notification` event (GraphQL subscription `notifications`). Any signed-in user may watch any item; watching twice is the same as once.',
      ),
    },
    async (request, reply) => {
      await items.watch(request.actor, request.params.id)
      return noBody(reply, 204)
    },
  )

  app.delete(
    '/items/:id/watch',
    {
      onRequest: app.requireSignIn,
      schema: watchSchema(
        'Stop watching an item',
        'Stops watching an item. Stopping twice, or without watching, is fine.',
      ),
    },
    async (request, reply) => {
      await items.unwatch(request.actor, request.params.id)
      return noBody(reply, 204)
    },
  )
}

export default itemsRoutes
