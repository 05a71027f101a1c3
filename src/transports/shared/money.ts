// Dollars at the edge: what REST (a JSON number) and GraphQL (the Money scalar, a decimal string) send and
// receive, converted exactly to and from the domain's integer cents.

// A decimal amount as written: "9.99", "-0", "1e3", "1.5E-2" (JSON's number grammar, leading zeros allowed).
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/

/** True when `text` is a decimal amount centsOf can read. */
export function isDecimal(text: string): boolean {
  return DECIMAL.test(text)
}

/**
 * The exact number of cents in an amount of USD, from its decimal text (a number is read from its shortest
 * decimal form, which names the same value as the JSON text it was parsed from). No floating-point
 * arithmetic, so 0.29 is 29 cents and 1.0000000000000000001 is not 100. NaN when the amount is not a whole
 * number of cents or not a decimal at all: the domain's Price rule refuses NaN, as it refuses a negative or
 * too large amount, with the same reason on every transport. -0 is 0.
 */
export function centsOf(amount: string | number): number {
  const match = DECIMAL.exec(typeof amount === 'number' ? String(amount) : amount)
  if (!match) return Number.NaN
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match
  const digits = `${whole}${fraction}`.replace(/^0+/, '')
  if (digits === '') return 0
  // digits × 10^scale cents; drop trailing zeros so that "9.990" is 999 cents.
  const significant = digits.replace(/0+$/, '')
  const scale = Number(exponent) - fraction.length + 2 + (digits.length - significant.length)
  if (!(scale >= 0)) return Number.NaN
  return Number(`${sign}${significant}e${scale}`)
}

/** 999 cents -> 9.99: the JSON number REST answers with (the shortest double that prints as the amount). */
export function dollarsOf(cents: number): number {
  return cents / 100
}

/** 999 cents -> "9.99": GraphQL's Money, always two decimals. */
export function decimalOf(cents: number): string {
  const abs = Math.abs(cents)
  const text = `${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
  return cents < 0 ? `-${text}` : text
}
