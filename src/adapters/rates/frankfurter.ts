// Frankfurter (api.frankfurter.app): GET /latest?from=USD -> {"amount":1,"base":"USD","date":"…","rates":{…}}.
import { Type } from 'typebox'
import { DATE_PATTERN, parseJson, quoteOf, RATE_BOUNDS, type RateFormat, under, validated } from './format.ts'

const Body = Type.Object({
  amount: Type.Literal(1),
  base: Type.Literal('USD'),
  date: Type.String({ pattern: DATE_PATTERN }),
  rates: Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), Type.Number(RATE_BOUNDS), {
    additionalProperties: false,
    minProperties: 1,
  }),
})

export const frankfurter: RateFormat = {
  kind: 'frankfurter',
  accept: 'application/json',
  url: (base) => under(base, '/latest?from=USD'),
  parse(body) {
    const value = validated(Body, parseJson(body))
    return quoteOf(value.date, Object.entries(value.rates))
  },
}
