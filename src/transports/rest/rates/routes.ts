// GET /rates: the exchange-rate table, from the same RateService that converts item prices.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { RateService } from '../../../domain/rates.ts'
import { problemResponses } from '../../../plugins/problem.ts'
import { ratesView } from '../../shared/rates.ts'
import { inQuery } from '../query-errors.ts'
import { RatesQuery, RatesSchema } from './schemas.ts'

/** The 503 of an operation that needs rates, with its Retry-After. */
export function noRatesResponse() {
  const { 503: unavailable } = problemResponses(503) as Record<number, object>
  return {
    503: {
      ...unavailable,
      description:
        'No exchange rate is available: no provider answered and no rate is cached (or none is configured). `Retry-After` says when to try again.',
      headers: { 'retry-after': Type.Integer({ minimum: 1, description: 'Seconds', examples: [5] }) },
    },
  }
}

const ratesRoutes: FastifyPluginAsyncTypebox<{ rates: RateService }> = async (app, { rates }) => {
  app.get(
    '/rates',
    {
      schema: {
        tags: ['rates'],
        summary: 'Exchange rates',
        description:
          'Units of each currency per one `base` (USD unless asked), the median of the providers that answered, with each provider’s status. Rates are cached for RATES_TTL seconds; after that they are served with `stale: true` while one refresh runs, and while every provider fails, up to RATES_MAX_STALE. An unknown `base` is 422, listing the currencies there are.',
        querystring: RatesQuery,
        response: {
          200: { ...RatesSchema, description: 'The rates' },
          ...problemResponses(422),
          ...noRatesResponse(),
        },
      },
    },
    async (request) => {
      const table = await rates.rates(request.query.base ?? 'USD').catch((error: unknown) => {
        throw inQuery(error)
      })
      return ratesView(table)
    },
  )
}

export default ratesRoutes
