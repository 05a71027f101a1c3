// Exchange rates as clients see them, over REST and GraphQL, from three fake providers on loopback and a clock
// the test moves: GET /rates, converted prices on items, the refusals (422 naming what there is, 503 with
// Retry-After), partial answers, stale serving, single flight, and readiness. On PostgreSQL the cache is Redis.
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, problem, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import { type FakeProvider, type Kind, providersSetting, startFakeProviders } from '../support/fake-rates.ts'
import { itemCalls } from '../support/items.ts'

let t: TestApp
let fakes: Record<Kind, FakeProvider>
let alice: SignedUp
let itemId: string
const clock = { now: Date.parse('2026-11-24T18:00:00Z') }
const DAY = 86_400_000

beforeAll(async () => {
  fakes = await startFakeProviders()
  t = await createTestApp(
    {
      RATE_PROVIDERS: providersSetting(fakes.frankfurter, fakes['open-er-api'], fakes.ecb),
      RATES_TTL: '60',
      RATES_MAX_STALE: '600',
      RATES_TIMEOUT: '500',
      RATES_RETRIES: '1',
      RATES_RETRY_DELAY: '1',
      // The breakers run on the wall clock (test/adapters/rate-providers.test.ts moves it): kept closed here.
      RATES_BREAKER_FAILURES: '1000',
    },
    { clock: () => clock.now },
  )
  alice = await signUpAndIn(t)
  itemId = (await itemCalls(() => t).create(alice)).id
})
afterAll(async () => {
  await t.close()
  await Promise.all(Object.values(fakes).map((f) => f.close()))
})

// Every test starts with healthy providers and no usable table (the last one is past RATES_MAX_STALE).
beforeEach(() => {
  clock.now += DAY
  fakes.frankfurter.rates = { EUR: 0.9, JPY: 150, CHF: 0.8 }
  fakes['open-er-api'].rates = { USD: 1, EUR: 0.92, JPY: 152, KWD: 0.3075 }
  // Per EUR: per USD these are EUR 0.8 and JPY 152.
  fakes.ecb.rates = { USD: 1.25, JPY: 190 }
  for (const fake of Object.values(fakes)) {
    fake.always({ kind: 'ok' })
    fake.requests = 0
  }
})

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers })
const gql = async (query: string) =>
  (await t.app.inject({ method: 'POST', url: '/graphql', payload: { query } })).json()
const requests = () => Object.values(fakes).map((f) => f.requests)

function unavailable(res: LightMyRequestResponse) {
  const body = problem(res, 503)
  expect(body.type).toBe('https://trestle.dev/problems#unavailable')
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
  return body
}

describe('refusals', () => {
  it('a currency code that is not one is 422 naming the query field', async () => {
    for (const url of [`/items/${itemId}?currency=EURO`, '/items?currency=e1', '/rates?base=12']) {
      const body = problem(await get(url), 422)
      expect(body.errors?.[0]).toMatchObject({
        in: 'query',
        pointer: expect.stringMatching(/^\/(currency|base)$/),
      })
    }
  })

  it('a currency without a rate is 422 listing the ones there are', async () => {
    const body = problem(await get(`/items/${itemId}?currency=SEK`), 422)
    expect(body.errors).toEqual([
      {
        in: 'query',
        pointer: '/currency',
        detail: '"SEK" has no exchange rate; supported: CHF, EUR, JPY, KWD, USD',
      },
    ])
    expect(problem(await get('/rates?base=ZZZ'), 422).errors?.[0]?.detail).toMatch(/supported: CHF, EUR/)
  })

  it('with every provider down and nothing cached: 503 with Retry-After; the rest of the API works', async () => {
    fakes.frankfurter.always({ kind: 'status', status: 500 })
    fakes['open-er-api'].always({ kind: 'reset' })
    fakes.ecb.always({ kind: 'garbage' })
    unavailable(await get('/rates'))
    unavailable(await get(`/items/${itemId}?currency=EUR`))
    unavailable(await get('/items?currency=EUR'))
    const r = await gql(`{ item(id: "${itemId}") { price(currency: "EUR") } }`)
    expect(r.errors[0].extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      retryAfter: expect.any(Number),
    })
    expect((await get(`/items/${itemId}`)).statusCode).toBe(200)
    // Readiness says so, and stays 200: the API still serves.
    const ready = await get('/health/ready')
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toMatchObject({
      status: 'degraded',
      checks: {
        database: 'ok',
        'rates:frankfurter': 'down',
        'rates:open-er-api': 'down',
        'rates:ecb': 'down',
      },
    })
  })
})

describe('GET /rates', () => {
  it('answers each currency’s median, with each provider’s status and date', async () => {
    const res = await get('/rates')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      base: 'USD',
      as_of: '2026-11-24',
      fetched_at: new Date(clock.now).toISOString(),
      age_seconds: 0,
      stale: false,
      rates: { CHF: '0.8', EUR: '0.9', JPY: '152', KWD: '0.3075' },
      providers: [
        { name: 'frankfurter', status: 'ok', date: '2026-11-24' },
        { name: 'open-er-api', status: 'ok', date: '2026-11-24' },
        { name: 'ecb', status: 'ok', date: '2026-11-24' },
      ],
    })
    expect((await get('/health/ready')).json().status).toBe('ok')
  })

  it('answers from the providers that answer when others fail, each with its status', async () => {
    fakes.frankfurter.always({ kind: 'hang' })
    fakes.ecb.always({ kind: 'status', status: 404 })
    const body = (await get('/rates')).json()
    expect(body.rates).toEqual({ EUR: '0.92', JPY: '152', KWD: '0.3075' })
    expect(body.providers).toEqual([
      { name: 'frankfurter', status: 'timeout' },
      { name: 'open-er-api', status: 'ok', date: '2026-11-24' },
      { name: 'ecb', status: 'error' },
    ])
    expect((await get('/health/ready')).json()).toMatchObject({ status: 'degraded' })
  })

  it('gives the rates per another currency', async () => {
    const body = (await get('/rates?base=eur')).json()
    expect(body.base).toBe('EUR')
    expect(body.rates).toMatchObject({ USD: '1.111111111', JPY: '168.8888889' })
  })

  it('is fresh for RATES_TTL, then stale while one refresh runs, and stale with its age while providers fail', async () => {
    await get('/rates')
    clock.now += 30_000
    expect((await get('/rates')).json()).toMatchObject({ stale: false, age_seconds: 30 })
    expect(requests()).toEqual([1, 1, 1])
    for (const fake of Object.values(fakes)) fake.always({ kind: 'status', status: 503 })
    clock.now += 270_000
    const stale = (await get('/rates')).json()
    expect(stale).toMatchObject({ stale: true, age_seconds: 300, rates: { EUR: '0.9' } })
    const converted = (await get(`/items/${itemId}?currency=EUR`)).json().converted_price
    expect(converted).toMatchObject({ amount: '8.99', stale: true })
    // Past RATES_MAX_STALE nothing is left to serve.
    clock.now += 301_000
    unavailable(await get('/rates'))
  })

  it('1,000 simultaneous requests for a cold rate make one request per provider', async () => {
    for (const fake of Object.values(fakes)) fake.hold()
    const all = Promise.all(Array.from({ length: 1000 }, () => get(`/items/${itemId}?currency=EUR`)))
    await Promise.all(Object.values(fakes).map((f) => f.held(1)))
    for (const fake of Object.values(fakes)) fake.release()
    const answers = await all
    expect(answers.every((res) => res.json().converted_price?.amount === '8.99')).toBe(true)
    expect(requests()).toEqual([1, 1, 1])
  })
})

describe('converted prices', () => {
  it('GET /items/{id}?currency= adds the price converted, with its rate and date, half-even to the minor unit', async () => {
    const cases: [string, string, string][] = [
      ['EUR', '8.99', '0.9'], // 8.991
      ['JPY', '1518', '152'], // 1518.48: no minor unit
      ['KWD', '3.072', '0.3075'], // 3.071925: three decimals
      ['usd', '9.99', '1'],
    ]
    for (const [currency, amount, rate] of cases) {
      const res = await get(`/items/${itemId}?currency=${currency}`)
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ id: itemId, price: 9.99 })
      expect(res.json().converted_price).toEqual({
        currency: currency.toUpperCase(),
        amount,
        rate,
        as_of: currency === 'usd' ? null : '2026-11-24',
        stale: false,
      })
    }
  })

  it('gives a converted item an ETag of its own that names the rate, and honours If-None-Match with it', async () => {
    const res = await get(`/items/${itemId}?currency=EUR`)
    expect(res.headers.etag).toBe('"1-EUR-0.9-2026-11-24"')
    expect(
      (await get(`/items/${itemId}?currency=EUR`, { 'if-none-match': '"1-EUR-0.9-2026-11-24"' })).statusCode,
    ).toBe(304)
    // The plain item's ETag does not stand for the converted one.
    expect((await get(`/items/${itemId}?currency=EUR`, { 'if-none-match': '"1"' })).statusCode).toBe(200)
  })

  it('GET /items?currency= converts every item of the page at one rate', async () => {
    const res = await get(`/items?owner=${alice.id}&currency=JPY`)
    expect(res.statusCode, res.body).toBe(200)
    const items = res.json().items as { price: number; converted_price: { amount: string } }[]
    expect(items.length).toBeGreaterThan(0)
    for (const item of items) expect(item.converted_price).toMatchObject({ currency: 'JPY', rate: '152' })
    expect(requests()).toEqual([1, 1, 1])
  })

  it('GraphQL Item.price(currency:) converts, and extensions.exchangeRates says at which rate', async () => {
    const r = await gql(
      `{ item(id: "${itemId}") { usd: price eur: price(currency: "EUR") yen: price(currency: "JPY") } }`,
    )
    expect(r.data.item).toEqual({ usd: '9.99', eur: '8.99', yen: '1518' })
    expect(r.extensions.exchangeRates).toEqual({
      EUR: { base: 'USD', rate: '0.9', asOf: '2026-11-24', stale: false },
      JPY: { base: 'USD', rate: '152', asOf: '2026-11-24', stale: false },
    })
  })

  it('GraphQL rates(base:) answers the table with the providers’ status; a bad base is BAD_USER_INPUT', async () => {
    fakes.ecb.always({ kind: 'status', status: 500 })
    const r = await gql(
      '{ rates(base: "EUR") { base asOf stale rates { currency rate } providers { name status } } }',
    )
    expect(r.data.rates).toEqual({
      base: 'EUR',
      asOf: '2026-11-24',
      stale: false,
      rates: [
        { currency: 'JPY', rate: '165.9340659' },
        { currency: 'KWD', rate: '0.3379120879' },
        { currency: 'USD', rate: '1.098901099' },
        { currency: 'CHF', rate: '0.8791208791' },
      ].sort((a, b) => a.currency.localeCompare(b.currency)),
      providers: [
        { name: 'frankfurter', status: 'OK' },
        { name: 'open-er-api', status: 'OK' },
        { name: 'ecb', status: 'ERROR' },
      ],
    })
    const bad = await gql('{ rates(base: "XYZ") { base } }')
    expect(bad.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: '/base' })
  })
})
