// The exchange-rate table over GraphQL: the same RateService and the same view as GET /rates.
import { CurrencyCode } from '../../../domain/fields.ts'
import type { ProviderReport } from '../../../domain/rate-table.ts'
import type { Rates } from '../../../domain/rates.ts'
import { ratesView } from '../../shared/rates.ts'
import { builder } from '../builder.ts'
import { ruleDoc } from './rule-docs.ts'

const ProviderStatus = builder.enumType('RateProviderStatus', {
  description: 'How a provider fared in the latest refresh',
  values: {
    OK: { value: 'ok', description: 'It answered' },
    ERROR: { value: 'error', description: 'It answered wrongly or failed' },
    TIMEOUT: { value: 'timeout', description: 'It did not answer in time' },
    OPEN: { value: 'open', description: 'Not asked: its circuit breaker is open, or it asked to wait' },
  } as const,
})

const ProviderRef = builder.objectRef<ProviderReport>('RateProvider').implement({
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its kind, as in RATE_PROVIDERS' }),
    status: t.field({ type: ProviderStatus, resolve: (p) => p.status }),
    date: t.string({ nullable: true, description: 'Its rates’ date', resolve: (p) => p.date ?? null }),
  }),
})

const RateRef = builder.objectRef<[string, string]>('ExchangeRate').implement({
  fields: (t) => ({
    currency: t.string({ resolve: ([currency]) => currency }),
    rate: t.string({
      description: 'Units of the currency per one base, as exact decimal text',
      resolve: ([, r]) => r,
    }),
  }),
})

const RatesRef = builder.objectRef<Rates>('ExchangeRates').implement({
  description:
    'The median of the providers that answered, cached for RATES_TTL, then served stale while refreshed',
  fields: (t) => ({
    base: t.exposeString('base'),
    asOf: t.exposeString('asOf', { description: 'The oldest date among the answers used (YYYY-MM-DD)' }),
    fetchedAt: t.field({ type: 'DateTime', resolve: (r) => new Date(r.fetchedAt).toISOString() }),
    ageSeconds: t.exposeInt('ageSeconds'),
    stale: t.exposeBoolean('stale', {
      description: 'Older than RATES_TTL: providers are being refreshed or failing',
    }),
    rates: t.field({ type: [RateRef], resolve: (r) => Object.entries(ratesView(r).rates) }),
    providers: t.field({ type: [ProviderRef], resolve: (r) => [...r.providers] }),
  }),
})

builder.queryFields((t) => ({
  rates: t.field({
    type: RatesRef,
    description:
      'Exchange rates per one `base`, with each provider’s status; SERVICE_UNAVAILABLE when no provider answered and nothing is cached',
    args: {
      base: t.arg.string({ defaultValue: 'USD', description: ruleDoc(CurrencyCode, 'ISO 4217 code') }),
    },
    resolve: (_root, { base }, ctx) => ctx.services.rates.rates(base ?? 'USD'),
  }),
}))
