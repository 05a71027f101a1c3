// Exact decimal arithmetic on BigInt for exchange rates and converted amounts: a value is `units × 10^-scale`.
// Every rounding is half-even (banker's rounding), so that no direction is favoured over many conversions.
// Only non-negative values occur here (prices and rates), which keeps the rounding rule one line.

export interface Decimal {
  readonly units: bigint
  /** Digits after the decimal point; never negative. */
  readonly scale: number
}

// JSON's number grammar (leading zeros allowed): "0.92", "156.1", "1e-7", "1.5E+2".
const DECIMAL = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/

const TEN = 10n

function pow10(n: number): bigint {
  return TEN ** BigInt(n)
}

/** A non-negative decimal from its text (or a number's shortest decimal form); undefined when it is not one. */
export function parseDecimal(value: string | number): Decimal | undefined {
  const text = typeof value === 'number' ? String(value) : value
  const match = DECIMAL.exec(text)
  if (!match) return undefined
  const [, whole = '', fraction = '', exponent = '0'] = match
  const shift = Number(exponent)
  if (!Number.isSafeInteger(shift) || Math.abs(shift) > 400) return undefined
  const units = BigInt(`${whole}${fraction}`)
  const scale = fraction.length - shift
  return normalise(scale >= 0 ? { units, scale } : { units: units * pow10(-scale), scale: 0 })
}

/** Trailing zeros dropped: 0.9200 and 0.92 are the same rate, written the same way. */
function normalise(value: Decimal): Decimal {
  let { units, scale } = value
  while (scale > 0 && units % TEN === 0n) {
    units /= TEN
    scale -= 1
  }
  return { units, scale }
}

/**
 * Plain decimal text with exactly `scale` decimals, never an exponent: "0.000001", "156.12", and a converted
 * amount in its currency's minor unit ("8.50" for EUR, "1476" for JPY).
 */
export function decimalText(value: Decimal): string {
  const digits = value.units.toString().padStart(value.scale + 1, '0')
  if (value.scale === 0) return digits
  return `${digits.slice(0, -value.scale)}.${digits.slice(-value.scale)}`
}

/** numerator ÷ denominator rounded half-even to an integer (both non-negative, denominator positive). */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator
  const twice = (numerator % denominator) * 2n
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) return quotient + 1n
  return quotient
}

/** numerator ÷ denominator to `digits` significant digits, half-even. */
function significant(numerator: bigint, denominator: bigint, digits: number): Decimal {
  if (numerator === 0n) return { units: 0n, scale: 0 }
  // The scale that leaves `digits` significant digits: fewer decimals for a large integer part, more for
  // each zero after the point of a value below one.
  let scale = digits
  if (numerator >= denominator) {
    scale -= (numerator / denominator).toString().length
  } else {
    for (let scaled = numerator * TEN; scaled < denominator; scaled *= TEN) scale += 1
  }
  if (scale >= 0) return normalise({ units: divideHalfEven(numerator * pow10(scale), denominator), scale })
  const units = divideHalfEven(numerator, denominator * pow10(-scale)) * pow10(-scale)
  return normalise({ units, scale: 0 })
}

/** Digits a derived rate keeps (a cross rate, a mean): more than any provider publishes. */
export const RATE_DIGITS = 10

/** a ÷ b to RATE_DIGITS significant digits, half-even (b positive). */
export function divide(a: Decimal, b: Decimal): Decimal {
  // (ua / 10^sa) / (ub / 10^sb) = ua × 10^sb / (ub × 10^sa)
  return significant(a.units * pow10(b.scale), b.units * pow10(a.scale), RATE_DIGITS)
}

/** (a + b) ÷ 2 to RATE_DIGITS significant digits, half-even. */
export function mean(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale)
  const sum = a.units * pow10(scale - a.scale) + b.units * pow10(scale - b.scale)
  return significant(sum, 2n * pow10(scale), RATE_DIGITS)
}

export function compare(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale)
  const left = a.units * pow10(scale - a.scale)
  const right = b.units * pow10(scale - b.scale)
  return left < right ? -1 : left > right ? 1 : 0
}

export const ONE: Decimal = { units: 1n, scale: 0 }

/**
 * An amount of cents times a rate, in minor units of a currency with `minorDigits` decimals, rounded
 * half-even: cents × rate × 10^minorDigits ÷ 100, in integers only.
 */
export function convertCents(cents: number, rate: Decimal, minorDigits: number): bigint {
  const numerator = BigInt(cents) * rate.units * pow10(minorDigits)
  return divideHalfEven(numerator, 100n * pow10(rate.scale))
}
