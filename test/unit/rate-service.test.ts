// The cache policy of RateService, on a clock the test moves: fresh for the TTL, then served stale while one
// refresh runs, served stale (marked, with its age) while every provider fails up to the maximum age, then a
// 503; concurrent misses share one refresh; the answer is each currency's median.
import { describe, expect, it } from 'vitest'
import { MemoryRateStore } from '../../src/adapters/rates/memory-store.ts'
import { type Decimal, decimalText, parseDecimal } from '../../src/domain/decimal.ts'
import { InvalidInputError, UnavailableError } from '../../src/domain/errors.ts'
import type { RateQuote } from '../../src/domain/rate-table.ts'
import {
  ProviderFailure,
  type RateProvider,
  RateService,
  UnsupportedCurrencyError,
} from '../../src/domain/rates.ts'

/** A provider in memory: answers `rates`, or fails as told; `calls` counts; `gate` holds answers. */
class StubProvider implements RateProvider {
  readonly name: string
  rates: Record<string, string>
  failure: ProviderFailure | undefined
  calls = 0
  wait = 0
  gate: Promise<void> | undefined
  constructor(name: string, rates: Record<string, string>) {
    this.name = name
    this.rates = rates
  }
  async latest(): Promise<RateQuote> {
    this.calls += 1
    await this.gate
    if (this.failure) throw this.failure
    return {
      date: '2026-11-24',
      rates: new Map(Object.entries(this.rates).map(([c, r]) => [c, parseDecimal(r) as Decimal])),
    }
  }
  waitMs() {
    return this.wait
  }
}

const MINUTE = 60_000

function setup(providers: StubProvider[], options: { ttlMs?: number; maxStaleMs?: number } = {}) {
  const clock = { now: Date.parse('2026-11-24T18:00:00Z') }
  const now = () => clock.now
  const service = new RateService({
    providers,
    store: new MemoryRateStore(now),
    ttlMs: options.ttlMs ?? 10 * MINUTE,
    maxStaleMs: options.maxStaleMs ?? 60 * MINUTE,
    refreshMs: 5000,
    now,
  })
  return { service, clock, advance: (ms: number) => (clock.now += ms) }
}

const eur = async (service: RateService, cents = 1000) => (await service.converterTo('EUR'))(cents)
const failing = (status: 'error' | 'timeout' | 'open') => new ProviderFailure(status, status)
const flush = () => new Promise((resolve) => setImmediate(resolve))

describe('no rates', () => {
  it('with no provider configured, conversion is unavailable, with a Retry-After', async () => {
    const { service } = setup([])
    const refusal = await eur(service).catch((e: unknown) => e)
    expect(refusal).toBeInstanceOf(UnavailableError)
    expect((refusal as UnavailableError).retryAfterSeconds).toBeGreaterThan(0)
  })

  it('when every provider fails and nothing is cached: unavailable, Retry-After from the soonest breaker', async () => {
    const a = new StubProvider('a', { EUR: '0.9' })
    const b = new StubProvider('b', { EUR: '0.9' })
    a.failure = failing('timeout')
    b.failure = failing('open')
    a.wait = 40_000
    b.wait = 12_500
    const { service } = setup([a, b])
    const refusal = (await eur(service).catch((e: unknown) => e)) as UnavailableError
    expect(refusal).toBeInstanceOf(UnavailableError)
    expect(refusal.retryAfterSeconds).toBe(13)
    expect(service.providerStates()).toEqual({ a: 'open', b: 'open' })
  })

  it('a currency without a rate is refused naming those there are', async () => {
    const { service } = setup([new StubProvider('a', { EUR: '0.9', JPY: '150' })])
    const refusal = (await service.converterTo('CHF').catch((e: unknown) => e)) as UnsupportedCurrencyError
    expect(refusal).toBeInstanceOf(UnsupportedCurrencyError)
    expect(refusal.pointer).toBe('/currency')
    expect(refusal.supported).toEqual(['EUR', 'JPY', 'USD'])
    expect(refusal.message).toBe('"CHF" has no exchange rate; supported: EUR, JPY, USD')
  })

  it('a code that is no currency is refused even while no provider answers', async () => {
    const a = new StubProvider('a', {})
    a.failure = failing('error')
    const { service } = setup([a])
    await expect(service.converterTo('ZZZ')).rejects.toThrow(/not an ISO 4217 currency/)
    await expect(service.converterTo('EURO')).rejects.toBeInstanceOf(InvalidInputError)
    await expect(service.rates('12')).rejects.toMatchObject({ pointer: '/base' })
  })
})

describe('combining providers', () => {
  it('takes each currency’s median: one wrong provider is outvoted', async () => {
    const { service } = setup([
      new StubProvider('a', { EUR: '0.92', JPY: '156' }),
      new StubProvider('b', { EUR: '9.2', JPY: '157' }),
      new StubProvider('c', { EUR: '0.93', GBP: '0.8' }),
    ])
    const rates = await service.rates()
    expect(Object.fromEntries([...rates.rates].map(([c, r]) => [c, decimalText(r)]))).toEqual({
      EUR: '0.93',
      GBP: '0.8',
      JPY: '156.5',
    })
    expect(rates.providers.map((p) => p.status)).toEqual(['ok', 'ok', 'ok'])
  })

  it('answers from the providers that answer, reporting the others’ status', async () => {
    const a = new StubProvider('a', { EUR: '0.92' })
    const b = new StubProvider('b', { EUR: '0.94' })
    const c = new StubProvider('c', { EUR: '0.96' })
    b.failure = failing('timeout')
    c.failure = failing('open')
    const { service } = setup([a, b, c])
    expect(await eur(service)).toEqual({
      currency: 'EUR',
      amount: '9.20',
      rate: '0.92',
      asOf: '2026-11-24',
      stale: false,
    })
    expect((await service.rates()).providers).toEqual([
      { name: 'a', status: 'ok', date: '2026-11-24' },
      { name: 'b', status: 'timeout' },
      { name: 'c', status: 'open' },
    ])
    expect(service.providerStates()).toEqual({ a: 'ok', b: 'timeout', c: 'open' })
  })

  it('reads the table in another base, and USD needs no provider at all', async () => {
    const a = new StubProvider('a', { EUR: '0.8', JPY: '160' })
    const { service } = setup([a])
    const perEuro = await service.rates('eur')
    expect(perEuro.base).toBe('EUR')
    expect(Object.fromEntries([...perEuro.rates].map(([c, r]) => [c, decimalText(r)]))).toEqual({
      JPY: '200',
      USD: '1.25',
    })
    a.calls = 0
    const toDollars = await service.converterTo('usd')
    expect(toDollars(999)).toEqual({ currency: 'USD', amount: '9.99', rate: '1', asOf: null, stale: false })
  })
})

describe('the cache', () => {
  it('asks the providers once while the table is fresh', async () => {
    const a = new StubProvider('a', { EUR: '0.9' })
    const { service, advance } = setup([a])
    await eur(service)
    advance(9 * MINUTE)
    await eur(service)
    await service.rates()
    expect(a.calls).toBe(1)
  })

  it('1,000 concurrent requests for a cold rate make one call per provider', async () => {
    const a = new StubProvider('a', { EUR: '0.9' })
    const b = new StubProvider('b', { EUR: '0.9' })
    let open = () => {}
    a.gate = new Promise((resolve) => {
      open = resolve
    })
    const { service } = setup([a, b])
    const all = Promise.all(Array.from({ length: 1000 }, () => eur(service)))
    await flush()
    open()
    const answers = await all
    expect(answers.every((c) => c.amount === '9.00')).toBe(true)
    expect([a.calls, b.calls]).toEqual([1, 1])
  })

  it('past the TTL, serves the table stale while one refresh runs, then the new one', async () => {
    const a = new StubProvider('a', { EUR: '0.9' })
    const { service, advance } = setup([a])
    await eur(service)
    advance(11 * MINUTE)
    a.rates = { EUR: '0.8' }
    let open = () => {}
    a.gate = new Promise((resolve) => {
      open = resolve
    })
    // Served at once, stale, while the refresh waits on the provider; two requests start one refresh.
    expect(await eur(service)).toMatchObject({ amount: '9.00', stale: true })
    expect(await eur(service)).toMatchObject({ amount: '9.00', stale: true })
    expect(a.calls).toBe(2)
    open()
    await flush()
    expect(await eur(service)).toMatchObject({ amount: '8.00', stale: false })
  })

  it('serves the last table stale, with its age, while every provider fails, up to the maximum age', async () => {
    const a = new StubProvider('a', { EUR: '0.9' })
    const { service, advance } = setup([a], { ttlMs: 10 * MINUTE, maxStaleMs: 60 * MINUTE })
    await eur(service)
    a.failure = failing('error')
    advance(30 * MINUTE)
    const rates = await service.rates()
    expect(rates).toMatchObject({ stale: true, ageSeconds: 1800 })
    await flush()
    // The failed refresh is what the providers say now.
    expect((await service.rates()).providers).toEqual([{ name: 'a', status: 'error' }])
    expect(await eur(service)).toMatchObject({ amount: '9.00', stale: true })
    advance(30 * MINUTE)
    await expect(eur(service)).rejects.toBeInstanceOf(UnavailableError)
    // A provider back in service brings fresh rates again.
    a.failure = undefined
    expect(await eur(service)).toMatchObject({ amount: '9.00', stale: false })
  })
})

describe('a shared store that fails', () => {
  it('costs the sharing, not the rates: the instance keeps its own table and asks itself', async () => {
    const a = new StubProvider('a', { EUR: '0.9' })
    const down = async () => {
      throw new Error('redis: connection refused')
    }
    const service = new RateService({
      providers: [a],
      store: { get: down, set: down, claimRefresh: down, releaseRefresh: down },
      ttlMs: 10 * MINUTE,
      maxStaleMs: 60 * MINUTE,
      refreshMs: 5000,
    })
    expect(await eur(service)).toMatchObject({ amount: '9.00', stale: false })
    expect(await eur(service)).toMatchObject({ amount: '9.00' })
    expect(a.calls).toBe(1)
  })
})
