// ExchangeRate-API's open access (open.er-api.com): GET /v6/latest/USD ->
// {"result":"success","base_code":"USD","time_last_update_unix":…,"rates":{…}}, updated once a day.
import { Type } from 'typebox'
import { parseJson, quoteOf, RATE_BOUNDS, type RateFormat, under, validated } from './format.ts'

const Body = Type.Object({
  result: Type.Literal('success'),
  base_code: Type.Literal('USD'),
  time_last_update_unix: Type.Integer({ minimum: 0, maximum: 32_503_680_000 }),
  rates: Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), Type.Number(RATE_BOUNDS), {
    additionalProperties: false,
    minProperties: 1,
  }),
})

export const openErApi: RateFormat = {
  kind: 'open-er-api',
  accept: 'application/json',
  url: (base) => under(base, '/v6/latest/USD'),
  parse(body) {
    const value = validated(Body, parseJson(body))
    const date = new Date(value.time_last_update_unix * 1000).toISOString().slice(0, 10)
    return quoteOf(date, Object.entries(value.rates))
  },
}
