// Money is USD held as integer cents; amounts cross the API as JSON numbers with at most two decimals.
import { InvalidInputError } from './errors.ts'

export const MAX_PRICE_CENTS = 1_000_000_000 // 10,000,000.00 USD
export const MAX_PRICE = MAX_PRICE_CENTS / 100

/** Converts an amount such as 9.99 to 999 cents, refusing what cents cannot hold exactly. */
export function toCents(amount: number, pointer = '/price'): number {
  if (!Number.isFinite(amount) || amount < 0 || amount > MAX_PRICE) {
    throw new InvalidInputError(pointer, `must be between 0 and ${MAX_PRICE}`)
  }
  const cents = Math.round(amount * 100)
  // Both sides are the double nearest to a decimal: equal exactly when `amount` has at most two decimals.
  if (cents / 100 !== amount) {
    throw new InvalidInputError(pointer, 'must have at most two decimal places')
  }
  return cents
}

/** 999 cents -> 9.99: the shortest double that prints as the decimal amount. */
export function fromCents(cents: number): number {
  return cents / 100
}
