// The exchange-rate table: what the providers' quotes combine into, how it is stored, and how it is read in
// another base. Rates are exact decimals (src/domain/decimal.ts): units of a currency per one unit of the base.
import { compare, type Decimal, decimalText, divide, mean, ONE, parseDecimal } from './decimal.ts'

export type ProviderStatus = 'ok' | 'error' | 'timeout' | 'open'

/** One provider's rates, rebased by its adapter to the home currency (USD). */
export interface RateQuote {
  /** The day the provider says its rates are for (YYYY-MM-DD). */
  date: string
  rates: ReadonlyMap<string, Decimal>
}

/** How one provider fared in a refresh. */
export interface ProviderReport {
  name: string
  status: ProviderStatus
  /** Its rates' date, when it answered. */
  date?: string
}

/** The combined rates, per one unit of the home currency. */
export interface RateTable {
  /** The oldest date among the answers used: every rate is at least this recent. */
  asOf: string
  /** When the providers were asked (milliseconds since the epoch). */
  fetchedAt: number
  rates: ReadonlyMap<string, Decimal>
  providers: readonly ProviderReport[]
}

/** A table as the cache stores it: JSON, rates as decimal text. */
export interface StoredTable {
  asOf: string
  fetchedAt: number
  rates: Record<string, string>
  providers: ProviderReport[]
}

/**
 * Each currency's median over the providers that quote it: a provider that publishes a wrong rate is outvoted
 * by two that agree. With an even count, the mean of the middle two (to RATE_DIGITS digits, half-even).
 */
export function combine(
  quotes: readonly RateQuote[],
  fetchedAt: number,
  providers: ProviderReport[],
): RateTable {
  const byCurrency = new Map<string, Decimal[]>()
  for (const quote of quotes) {
    for (const [currency, rate] of quote.rates) {
      const list = byCurrency.get(currency) ?? []
      list.push(rate)
      byCurrency.set(currency, list)
    }
  }
  const rates = new Map<string, Decimal>()
  for (const currency of [...byCurrency.keys()].sort()) {
    rates.set(currency, median(byCurrency.get(currency) ?? []))
  }
  const asOf = quotes.map((q) => q.date).sort()[0] ?? ''
  return { asOf, fetchedAt, rates, providers }
}

function median(values: Decimal[]): Decimal {
  const sorted = [...values].sort(compare)
  const middle = Math.floor(sorted.length / 2)
  const upper = sorted[middle] as Decimal
  if (sorted.length % 2 === 1) return upper
  return mean(sorted[middle - 1] as Decimal, upper)
}

/** The table in another base: rate(base → X) = rate(home → X) ÷ rate(home → base). */
export function rebase(
  rates: ReadonlyMap<string, Decimal>,
  home: string,
  base: string,
): Map<string, Decimal> {
  if (base === home) return new Map(rates)
  const baseRate = rates.get(base)
  if (!baseRate) throw new Error(`no rate for ${base}`)
  const rebased = new Map<string, Decimal>([[home, divide(ONE, baseRate)]])
  for (const [currency, rate] of rates) if (currency !== base) rebased.set(currency, divide(rate, baseRate))
  return new Map([...rebased].sort(([a], [b]) => a.localeCompare(b)))
}

export function storedTable(table: RateTable): StoredTable {
  return {
    asOf: table.asOf,
    fetchedAt: table.fetchedAt,
    rates: Object.fromEntries([...table.rates].map(([currency, rate]) => [currency, decimalText(rate)])),
    providers: [...table.providers],
  }
}

/** A stored table read back; undefined when it is not one (another version wrote it, or it is damaged). */
export function tableFrom(stored: unknown): RateTable | undefined {
  const value = stored as Partial<StoredTable> | null
  if (!value || typeof value.asOf !== 'string' || typeof value.fetchedAt !== 'number') return undefined
  if (!value.rates || typeof value.rates !== 'object' || !Array.isArray(value.providers)) return undefined
  const rates = new Map<string, Decimal>()
  for (const [currency, text] of Object.entries(value.rates)) {
    const rate = typeof text === 'string' ? parseDecimal(text) : undefined
    if (!rate || rate.units === 0n) return undefined
    rates.set(currency, rate)
  }
  return { asOf: value.asOf, fetchedAt: value.fetchedAt, rates, providers: value.providers }
}
