// Shapes of GET /rates and of converted prices, built from the domain's CurrencyCode rule.
import { Type } from 'typebox'
import { CurrencyCode } from '../../../domain/fields.ts'

const currencyCode = Type.String({ pattern: '^[A-Z]{3}$', examples: ['EUR'] })
const date = Type.String({ format: 'date', examples: ['2026-11-24'] })
const decimal = Type.String({ pattern: '^\\d+(\\.\\d+)?$' })

export const CurrencyParam = {
  ...CurrencyCode,
  description: 'ISO 4217 code of the currency to convert prices to (any case); USD needs no rate',
  examples: ['EUR'],
}

export const ConvertedPrice = Type.Object(
  {
    currency: currencyCode,
    amount: {
      ...decimal,
      description:
        'The price in `currency`, exact decimal text rounded half-even to its ISO 4217 minor unit (JPY has none)',
      examples: ['9.22'],
    },
    rate: { ...decimal, description: 'Units of `currency` per USD: the rate the amount was computed with' },
    as_of: Type.Union([date, Type.Null()], { description: 'The date of that rate; null for USD' }),
    stale: Type.Boolean({ description: 'True when the rate is older than RATES_TTL (providers failing)' }),
  },
  {
    description: 'The price converted, present when `currency` was asked for',
    examples: [{ currency: 'EUR', amount: '9.22', rate: '0.9234', as_of: '2026-11-24', stale: false }],
  },
)

const ProviderReport = Type.Object({
  name: Type.String({ description: 'The provider’s kind, as in RATE_PROVIDERS', examples: ['frankfurter'] }),
  status: Type.Enum(['ok', 'error', 'timeout', 'open'], {
    description:
      '`ok` answered; `error` answered wrongly or not at all; `timeout` did not answer in time; `open` not asked (its circuit breaker is open, or it asked us to wait with Retry-After)',
  }),
  date: Type.Optional({ ...date, description: 'The date its rates are for, when it answered' }),
})

const ratesExample = {
  base: 'USD',
  as_of: '2026-11-24',
  fetched_at: '2026-11-24T18:00:00.000Z',
  age_seconds: 42,
  stale: false,
  rates: { EUR: '0.9234', GBP: '0.7861', JPY: '156.12' },
  providers: [
    { name: 'frankfurter', status: 'ok', date: '2026-11-24' },
    { name: 'open-er-api', status: 'timeout' },
    { name: 'ecb', status: 'ok', date: '2026-11-24' },
  ],
}

export const RatesSchema = Type.Object(
  {
    base: currencyCode,
    as_of: { ...date, description: 'The oldest date among the answers used' },
    fetched_at: Type.String({ format: 'date-time', description: 'When the providers were asked' }),
    age_seconds: Type.Integer({ minimum: 0, description: 'Seconds since then' }),
    stale: Type.Boolean({
      description:
        'True when older than RATES_TTL: served while a refresh runs or while every provider fails',
    }),
    rates: Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), decimal, {
      description:
        'Units of each currency per one `base`, as exact decimal text: the median of the providers',
    }),
    providers: Type.Array(ProviderReport, { description: 'How each provider fared in the latest refresh' }),
  },
  { examples: [ratesExample] },
)

export const RatesQuery = Type.Object({
  base: Type.Optional({
    ...CurrencyCode,
    default: 'USD',
    description: 'The currency rates are given per unit of (any currency the table has)',
    examples: ['USD'],
  }),
})
