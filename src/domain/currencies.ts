// ISO 4217 currencies and their minor units (JPY 0, EUR 2, KWD 3), from the `currency-codes` package, which
// carries ISO's published list. Intl.NumberFormat is not used: it follows CLDR, whose digits differ from ISO's
// for a dozen currencies (IQD is 3 in ISO, 0 in CLDR).
import currencyCodes from 'currency-codes'

// Codes ISO lists with no minor unit ("N.A.": gold, SDR, test codes), which the package gives as 0. The X
// codes that are money (XAF, XCD, XCG, XOF, XPF) have real minor units and stay.
const NOT_MONEY = new Set([
  'XAG',
  'XAU',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XPD',
  'XPT',
  'XSU',
  'XTS',
  'XUA',
  'XXX',
])

const MINOR_DIGITS = new Map<string, number>(
  currencyCodes.data.filter((c) => !NOT_MONEY.has(c.code)).map((c) => [c.code, c.digits]),
)

/** Digits after the point in an amount of `code` (ISO 4217's minor unit); undefined for a code that is not money. */
export function minorDigits(code: string): number | undefined {
  return MINOR_DIGITS.get(code)
}

export function isCurrency(code: string): boolean {
  return MINOR_DIGITS.has(code)
}

/** The currency prices are kept in. */
export const HOME_CURRENCY = 'USD'
