// Money is USD held as integer cents, everywhere in the domain. Dollars (a JSON number, a decimal string)
// exist only at the transport edge (src/transports/shared/money.ts).
import { integerRule } from './fields.ts'

export const MAX_PRICE_CENTS = 1_000_000_000 // 10,000,000.00 USD

/** A price in cents; the reason speaks of the amount as clients write it. */
export const Price = integerRule({
  minimum: 0,
  maximum: MAX_PRICE_CENTS,
  errorMessage: `must be an amount from 0 to ${MAX_PRICE_CENTS / 100} with at most two decimals`,
})
