// Exchange rates and price conversion. The policy lives here: ask every provider at once, combine what
// answers (rate-table.ts), keep the table fresh for a TTL, then serve it stale while one refresh runs
// (stale-while-revalidate), and keep serving it stale while every provider fails, up to a maximum age.
// Concurrent misses share one refresh (single flight), and with a shared store one instance refreshes for all.
import { check } from './check.ts'
import { HOME_CURRENCY, minorDigits } from './currencies.ts'
import { convertCents, type Decimal, decimalText, ONE } from './decimal.ts'
import { InvalidInputError, UnavailableError } from './errors.ts'
import { CurrencyCode } from './fields.ts'
import {
  combine,
  type ProviderReport,
  type ProviderStatus,
  type RateQuote,
  type RateTable,
  rebase,
  type StoredTable,
  storedTable,
  tableFrom,
} from './rate-table.ts'

/** Why a provider gave no rates: its status in a report. */
export class ProviderFailure extends Error {
  readonly status: Exclude<ProviderStatus, 'ok'>
  constructor(status: Exclude<ProviderStatus, 'ok'>, message: string, options: { cause?: unknown } = {}) {
    super(message, options)
    this.status = status
  }
}

/** A source of rates (src/adapters/rates/): bounded in time, failing with a ProviderFailure. */
export interface RateProvider {
  readonly name: string
  latest(): Promise<RateQuote>
  /** Milliseconds until it will be asked again (its breaker is open, or it said Retry-After); 0: now. */
  waitMs(): number
}

/** Where the table is kept between refreshes: in process, or shared by every instance (Redis). */
export interface RateStore {
  get(): Promise<StoredTable | undefined>
  /** Keeps the table for `keepMs`. */
  set(table: StoredTable, keepMs: number): Promise<void>
  /** True when this instance may refresh now: no other one is (the claim lapses after `ms`). */
  claimRefresh(ms: number): Promise<boolean>
  releaseRefresh(): Promise<void>
}

export interface RateServiceDeps {
  providers: RateProvider[]
  store: RateStore
  /** How long a table is fresh. */
  ttlMs: number
  /** How old a table may get and still be served (stale) while refreshes fail. */
  maxStaleMs: number
  /** The longest a refresh may take (every provider's deadline): how long a claim on it lasts. */
  refreshMs: number
  now?: () => number
}

/** The rates as callers see them. */
export interface Rates {
  base: string
  asOf: string
  fetchedAt: number
  ageSeconds: number
  /** Older than the TTL: a refresh is running or failing. */
  stale: boolean
  rates: ReadonlyMap<string, Decimal>
  providers: readonly ProviderReport[]
}

/** A price in another currency, with the rate and the date it was converted at. */
export interface Conversion {
  currency: string
  /** Exact decimal text with the currency's ISO 4217 minor unit: "8.50", "1476". */
  amount: string
  rate: string
  /** The rates' date; null for the home currency, which needs none. */
  asOf: string | null
  stale: boolean
}

/** A currency with no rate: the refusal names the ones there are. */
export class UnsupportedCurrencyError extends InvalidInputError {
  readonly supported: string[]
  constructor(pointer: string, currency: string, supported: string[]) {
    super(
      pointer,
      supported.length > 0
        ? `"${currency}" has no exchange rate; supported: ${supported.join(', ')}`
        : `"${currency}" is not an ISO 4217 currency`,
    )
    this.supported = supported
  }
}

const POLL_MS = 25

export class RateService {
  readonly #deps: RateServiceDeps
  readonly #now: () => number
  #table: RateTable | undefined
  #refreshing: Promise<RateTable | undefined> | undefined
  /** The latest refresh's reports: newer than the table's when that refresh failed. */
  #reports: readonly ProviderReport[] | undefined

  constructor(deps: RateServiceDeps) {
    this.#deps = deps
    this.#now = deps.now ?? Date.now
  }

  get configured(): boolean {
    return this.#deps.providers.length > 0
  }

  /** The rates per one unit of `base` (any currency the table has); a 503 when there are none. */
  async rates(base: string = HOME_CURRENCY, pointer = '/base'): Promise<Rates> {
    const code = this.#code(base, pointer)
    const table = await this.#usable(code, pointer)
    if (code !== HOME_CURRENCY && !table.rates.has(code)) throw this.#unsupported(pointer, code, table)
    return { ...this.#view(table), base: code, rates: rebase(table.rates, HOME_CURRENCY, code) }
  }

  /** A converter of cents into `currency`, for one price or a page of them at one rate. */
  async converterTo(currency: string, pointer = '/currency'): Promise<(cents: number) => Conversion> {
    const code = this.#code(currency, pointer)
    if (code === HOME_CURRENCY) return convertAt(code, ONE, null, false)
    const table = await this.#usable(code, pointer)
    const rate = table.rates.get(code)
    if (!rate || minorDigits(code) === undefined) throw this.#unsupported(pointer, code, table)
    return convertAt(code, rate, table.asOf, this.#view(table).stale)
  }

  /** Each provider's state for readiness: its latest report, or `open` while it is not being asked. */
  providerStates(): Record<string, ProviderStatus | 'idle'> {
    const reports = this.#reports ?? this.#table?.providers ?? []
    const states: Record<string, ProviderStatus | 'idle'> = {}
    for (const provider of this.#deps.providers) {
      const last = reports.find((r) => r.name === provider.name)?.status ?? 'idle'
      states[provider.name] = provider.waitMs() > 0 ? 'open' : last
    }
    return states
  }

  #code(value: string, pointer: string): string {
    check(CurrencyCode, value, pointer)
    return value.toUpperCase()
  }

  #unsupported(pointer: string, code: string, table: RateTable | undefined): UnsupportedCurrencyError {
    const known = table ? [...table.rates.keys()].filter((c) => minorDigits(c) !== undefined) : []
    return new UnsupportedCurrencyError(
      pointer,
      code,
      known.length > 0 ? [HOME_CURRENCY, ...known].sort() : [],
    )
  }

  // A table, or the reason there is none: a code that is no currency (422) before "no rates now" (503).
  async #usable(code: string, pointer: string): Promise<RateTable> {
    try {
      return await this.#current()
    } catch (error) {
      if (minorDigits(code) === undefined) throw this.#unsupported(pointer, code, undefined)
      throw error
    }
  }

  #view(table: RateTable): Omit<Rates, 'base'> {
    const ageMs = Math.max(0, this.#now() - table.fetchedAt)
    return {
      asOf: table.asOf,
      fetchedAt: table.fetchedAt,
      ageSeconds: Math.floor(ageMs / 1000),
      stale: ageMs >= this.#deps.ttlMs,
      rates: table.rates,
      providers: this.#reports ?? table.providers,
    }
  }

  #age(table: RateTable | undefined): number {
    return table ? this.#now() - table.fetchedAt : Number.POSITIVE_INFINITY
  }

  async #current(): Promise<RateTable> {
    const { ttlMs, maxStaleMs } = this.#deps
    // None configured: only a new configuration brings rates, so clients may wait a while.
    if (!this.configured) throw new UnavailableError('exchange-rates', { retryAfterSeconds: 300 })
    if (this.#age(this.#table) < ttlMs) return this.#table as RateTable
    // Another instance may have refreshed the shared table meanwhile.
    const shared = await this.#read()
    if (shared && this.#age(shared) < this.#age(this.#table)) this.#table = shared
    const table = this.#table
    if (table && this.#age(table) < ttlMs) return table
    if (table && this.#age(table) < maxStaleMs) {
      void this.#refresh()
      return table
    }
    const refreshed = await this.#refresh()
    if (refreshed) return refreshed
    throw new UnavailableError('exchange-rates', { retryAfterSeconds: this.#retryAfterSeconds() })
  }

  async #read(): Promise<RateTable | undefined> {
    // A shared store that is down costs this instance its sharing, not its rates.
    const stored = await this.#deps.store.get().catch(() => undefined)
    return stored && tableFrom(stored)
  }

  #refresh(): Promise<RateTable | undefined> {
    this.#refreshing ??= this.#claimAndFetch().finally(() => {
      this.#refreshing = undefined
    })
    return this.#refreshing
  }

  async #claimAndFetch(): Promise<RateTable | undefined> {
    const store = this.#deps.store
    const claim = () => store.claimRefresh(this.#deps.refreshMs).catch(() => true)
    if (!(await claim())) {
      // Another instance is asking the providers: wait for its table, or take over if its claim ends.
      const deadline = this.#now() + this.#deps.refreshMs
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
        const shared = await this.#read()
        if (shared && this.#age(shared) < this.#deps.ttlMs) {
          this.#table = shared
          return shared
        }
        if (this.#now() > deadline || (await claim())) break
      }
    }
    try {
      // Claimed just after another instance finished: its table is there already.
      const shared = await this.#read()
      if (shared && this.#age(shared) < this.#deps.ttlMs) {
        this.#table = shared
        return shared
      }
      return await this.#fetch()
    } finally {
      await store.releaseRefresh().catch(() => undefined)
    }
  }

  async #fetch(): Promise<RateTable | undefined> {
    const providers = this.#deps.providers
    const outcomes = await Promise.all(
      providers.map((p) =>
        p.latest().then(
          (quote) => ({ quote, report: { name: p.name, status: 'ok' as const, date: quote.date } }),
          (error: unknown) => ({
            quote: undefined,
            report: { name: p.name, status: error instanceof ProviderFailure ? error.status : 'error' },
          }),
        ),
      ),
    )
    const reports = outcomes.map((o) => o.report)
    this.#reports = reports
    const quotes = outcomes.flatMap((o) => (o.quote ? [o.quote] : []))
    if (quotes.length === 0) return undefined
    const table = combine(quotes, this.#now(), reports)
    this.#table = table
    this.#reports = undefined
    await this.#deps.store.set(storedTable(table), this.#deps.maxStaleMs).catch(() => undefined)
    return table
  }

  // The 503's Retry-After: when the first provider will be asked again if every one is resting (breaker open,
  // Retry-After), else a few seconds.
  #retryAfterSeconds(): number {
    const waits = this.#deps.providers.map((p) => p.waitMs())
    if (waits.every((ms) => ms > 0)) return Math.max(1, Math.ceil(Math.min(...waits) / 1000))
    return 5
  }
}

function convertAt(currency: string, rate: Decimal, asOf: string | null, stale: boolean) {
  const digits = minorDigits(currency) ?? 2
  const rateText = decimalText(rate)
  return (cents: number): Conversion => ({
    currency,
    amount: decimalText({ units: convertCents(cents, rate, digits), scale: digits }),
    rate: rateText,
    asOf,
    stale,
  })
}
