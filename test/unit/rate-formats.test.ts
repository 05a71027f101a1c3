// Each provider's format is read strictly: the documented shape with positive, finite rates for the asked
// base, or an InvalidQuote (a provider failure), never a crash and never a wrong price.
import { describe, expect, it } from 'vitest'
import { ecb, readDaily } from '../../src/adapters/rates/ecb.ts'
import { InvalidQuote, under } from '../../src/adapters/rates/format.ts'
import { frankfurter } from '../../src/adapters/rates/frankfurter.ts'
import { openErApi } from '../../src/adapters/rates/open-er-api.ts'
import { type Decimal, decimalText } from '../../src/domain/decimal.ts'
import type { RateQuote } from '../../src/domain/rate-table.ts'
import { bodyOf } from '../support/fake-rates.ts'

const shown = (quote: RateQuote) =>
  Object.fromEntries([...quote.rates].map(([c, r]: [string, Decimal]) => [c, decimalText(r)]))

const frankfurterBody = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ amount: 1, base: 'USD', date: '2026-11-24', rates: { EUR: 0.92, JPY: 156.5 }, ...over })
const openErBody = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    result: 'success',
    base_code: 'USD',
    time_last_update_unix: 1795478551,
    rates: { USD: 1, EUR: 0.93 },
    ...over,
  })

describe('refused as provider failures', () => {
  it.each([
    ['not JSON', 'garbage {'],
    ['an empty body', ''],
    ['another base', frankfurterBody({ base: 'EUR' })],
    ['another amount', frankfurterBody({ amount: 100 })],
    ['a negative rate', frankfurterBody({ rates: { EUR: -0.92 } })],
    ['a zero rate', frankfurterBody({ rates: { EUR: 0 } })],
    ['an infinite rate', frankfurterBody().replace('0.92', '1e999')],
    ['a rate as text', frankfurterBody({ rates: { EUR: '0.92' } })],
    ['a lower-case currency', frankfurterBody({ rates: { eur: 0.92 } })],
    ['no rates', frankfurterBody({ rates: {} })],
    ['only currencies ISO does not know', frankfurterBody({ rates: { BTC: 0.00001 } })],
    ['a bad date', frankfurterBody({ date: 'yesterday' })],
    ['an array', '[]'],
  ])('Frankfurter: %s', (_what, body) => {
    expect(() => frankfurter.parse(body)).toThrow(InvalidQuote)
  })

  it.each([
    ['a failed result', openErBody({ result: 'error', 'error-type': 'unsupported-code' })],
    ['another base', openErBody({ base_code: 'EUR' })],
    ['a missing update time', openErBody({ time_last_update_unix: undefined })],
    ['a rate of NaN text', openErBody().replace('0.93', 'NaN')],
    ['a rate beyond any currency', openErBody({ rates: { EUR: 1e12 } })],
  ])('open.er-api: %s', (_what, body) => {
    expect(() => openErApi.parse(body)).toThrow(InvalidQuote)
  })

  const ecbBody = (rates: Record<string, number> = { USD: 1.085, JPY: 169.8 }) =>
    bodyOf('ecb', rates, '2026-11-24')

  it.each([
    ['not XML', '{"rates":{}}'],
    ['HTML', '<html><body>Service unavailable</body></html>'],
    ['no USD rate, so nothing per dollar', ecbBody({ JPY: 169.8 })],
    ['a negative rate', ecbBody().replace("rate='169.8'", "rate='-169.8'")],
    ['a rate in another notation', ecbBody().replace("rate='169.8'", "rate='1.698e2'")],
    [
      'a currency twice',
      ecbBody().replace("<Cube currency='JPY'", "<Cube currency='USD' rate='1.1'/><Cube currency='JPY'"),
    ],
    [
      'a Cube it cannot read',
      ecbBody().replace("<Cube currency='JPY' rate='169.8'/>", "<Cube rate='169.8' currency='JPY'/>"),
    ],
    [
      'two days',
      ecbBody().replace("<Cube time='2026-11-24'>", "<Cube time='2026-11-24'><Cube time='2026-11-23'>"),
    ],
    ['a cut-off document', ecbBody().slice(0, -20)],
    ['a bad date', ecbBody().replace('2026-11-24', '24/11/2026')],
  ])('ECB: %s', (_what, body) => {
    expect(() => ecb.parse(body)).toThrow(InvalidQuote)
  })
})

describe('read', () => {
  it('Frankfurter: the rates per USD, with their date', () => {
    const quote = frankfurter.parse(frankfurterBody({ rates: { EUR: 0.92, JPY: 156.5, BTC: 0.00001 } }))
    expect(quote.date).toBe('2026-11-24')
    // Codes ISO 4217 does not know are left out.
    expect(shown(quote)).toEqual({ EUR: '0.92', JPY: '156.5' })
  })

  it('open.er-api: the rates per USD without USD itself, dated by the update time (UTC)', () => {
    const quote = openErApi.parse(openErBody())
    expect(quote.date).toBe('2026-11-24')
    expect(shown(quote)).toEqual({ EUR: '0.93' })
  })

  it('ECB: the euro rates turned into rates per USD, to ten significant digits', () => {
    const quote = ecb.parse(bodyOf('ecb', { USD: 1.085, JPY: 169.8, GBP: 0.858 }, '2026-11-24'))
    expect(quote.date).toBe('2026-11-24')
    expect(shown(quote)).toEqual({ EUR: '0.9216589862', JPY: '156.4976959', GBP: '0.7907834101' })
  })

  it('ECB: reads the daily file as published, declaration, namespaces and double quotes included', () => {
    const xml = `\ufeff<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube><Cube time="2026-11-24"><Cube currency="USD" rate="1.0850"/><Cube currency="CZK" rate="25.104"/></Cube></Cube>
</gesmes:Envelope>`
    expect(readDaily(xml)).toEqual({
      time: '2026-11-24',
      rates: [
        { currency: 'USD', rate: '1.0850' },
        { currency: 'CZK', rate: '25.104' },
      ],
    })
  })

  it('joins each path to a base URL that has a path of its own', () => {
    const base = new URL('https://www.ecb.europa.eu/stats/eurofxref/')
    expect(ecb.url(base).href).toBe('https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml')
    expect(frankfurter.url(new URL('https://api.frankfurter.app')).href).toBe(
      'https://api.frankfurter.app/latest?from=USD',
    )
    expect(under(new URL('http://127.0.0.1:1/er'), '/v6/latest/USD').href).toBe(
      'http://127.0.0.1:1/er/v6/latest/USD',
    )
  })
})
