// What a provider's format adapter provides: where its latest USD rates are and how to read them. A body that
// is not exactly the documented shape is refused (InvalidQuote), never half-read into a wrong price.
import type { Static, TSchema } from 'typebox'
import { firstError, validatorOf } from '../../domain/check.ts'
import { HOME_CURRENCY, isCurrency } from '../../domain/currencies.ts'
import type { Decimal } from '../../domain/decimal.ts'
import { parseDecimal } from '../../domain/decimal.ts'
import type { RateQuote } from '../../domain/rate-table.ts'

export interface RateFormat {
  readonly kind: string
  /** The URL of the latest rates per USD under the configured base URL. */
  url(base: URL): URL
  readonly accept: string
  parse(body: string): RateQuote
}

/** A body that is not a quote in the provider's format. */
export class InvalidQuote extends Error {}

/** `base` with `path` appended to its path (a base URL may have a path of its own). */
export function under(base: URL, path: string): URL {
  const url = new URL(base)
  const [pathname = '', search = ''] = path.split('?')
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${pathname}`
  url.search = search
  return url
}

/**
 * A value checked against its schema, or an InvalidQuote naming the first thing wrong with it. The check is
 * compiled on the first body read, not when the server starts.
 */
export function validated<T extends TSchema>(schema: T, value: unknown): Static<T> {
  const validator = validatorOf(schema)
  if (validator(value)) return value
  const first = firstError(validator)
  throw new InvalidQuote(`${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`)
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    throw new InvalidQuote('the body is not JSON')
  }
}

// No currency trades beyond these bounds against the dollar; a rate outside them is a broken feed.
export const RATE_BOUNDS = { exclusiveMinimum: 0, exclusiveMaximum: 1e9 } as const

/** A quote of the currencies ISO 4217 knows (others, such as crypto tokens, are left out), without USD. */
export function quoteOf(date: string, rates: Iterable<[string, number | string | Decimal]>): RateQuote {
  const kept = new Map<string, Decimal>()
  for (const [currency, value] of rates) {
    if (currency === HOME_CURRENCY || !isCurrency(currency)) continue
    const rate = typeof value === 'object' ? value : parseDecimal(value)
    if (!rate || rate.units === 0n) throw new InvalidQuote(`/rates/${currency} is not a positive decimal`)
    kept.set(currency, rate)
  }
  if (kept.size === 0) throw new InvalidQuote('no currency has a rate')
  return { date, rates: kept }
}

export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$'
