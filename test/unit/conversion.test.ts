// Converted prices are exact: integer cents times a decimal rate, in BigInt, rounded half-even to the
// currency's ISO 4217 minor unit; derived rates (cross rates, means) keep ten significant digits.
import { describe, expect, it } from 'vitest'
import { isCurrency, minorDigits } from '../../src/domain/currencies.ts'
import {
  convertCents,
  type Decimal,
  decimalText,
  divide,
  mean,
  ONE,
  parseDecimal,
} from '../../src/domain/decimal.ts'

const d = (text: string) => parseDecimal(text) as Decimal

function converted(cents: number, rate: string, currency: string): string {
  const digits = minorDigits(currency) as number
  return decimalText({ units: convertCents(cents, d(rate), digits), scale: digits })
}

describe('reading decimals', () => {
  it.each(['-1', '1.', '.5', 'abc', '', '0x10', 'NaN', 'Infinity', '1e999999'])(
    '%s is not a rate',
    (text) => {
      expect(parseDecimal(text)).toBeUndefined()
    },
  )

  it.each([
    ['0.92', '0.92'],
    ['0.9200', '0.92'],
    ['156.1', '156.1'],
    ['1e-7', '0.0000001'],
    ['1.5E+2', '150'],
    ['007', '7'],
  ])('%s reads as %s', (text, shown) => {
    expect(decimalText(d(text))).toBe(shown)
  })

  it('reads a number from its shortest decimal form', () => {
    expect(decimalText(parseDecimal(0.1 + 0.2) as Decimal)).toBe('0.30000000000000004')
    expect(decimalText(parseDecimal(1e-7) as Decimal)).toBe('0.0000001')
  })
})

describe('converting cents, half-even to the minor unit', () => {
  it.each([
    // cents, rate, currency, amount: what the rule gives and why
    [999, '0.9234', 'EUR', '9.22'], // 9.224766: down
    [999, '0.9236', 'EUR', '9.23'], // 9.226764: up
    [1, '0.5', 'EUR', '0.00'], // 0.005: a tie goes to the even cent, 0
    [3, '0.5', 'EUR', '0.02'], // 0.015: a tie goes to the even cent, 2
    [5, '0.5', 'EUR', '0.02'], // 0.025: a tie goes to the even cent, 2
    [0, '0.9234', 'EUR', '0.00'],
    [100, '150.5', 'JPY', '150'], // JPY has no minor unit: 150.5 goes to the even yen
    [100, '151.5', 'JPY', '152'],
    [999, '156.5', 'JPY', '1563'], // 1563.435
    [999, '0.3075', 'KWD', '3.072'], // three decimals: 3.071925
    [1, '0.3075', 'KWD', '0.003'], // 0.003075
    [999, '1', 'USD', '9.99'],
    [1_000_000_000, '156.4976959', 'JPY', '1564976959'], // the largest price, exactly
    [1_000_000_000, '89500', 'LBP', '895000000000.00'],
  ])('%i cents at %s is %s %s', (cents, rate, currency, amount) => {
    expect(converted(cents, rate, currency)).toBe(amount)
  })

  it('never goes through a float: 0.1 + 0.2 stays out', () => {
    // 10 cents at 3 and 20 cents at 3: exactly 0.30 and 0.60.
    expect(converted(10, '3', 'EUR')).toBe('0.30')
    expect(converted(20, '3', 'EUR')).toBe('0.60')
  })
})

describe('derived rates', () => {
  it('divides to ten significant digits, half-even', () => {
    expect(decimalText(divide(ONE, d('1.085')))).toBe('0.9216589862')
    expect(decimalText(divide(d('169.8'), d('1.085')))).toBe('156.4976959')
    expect(decimalText(divide(d('1'), d('3')))).toBe('0.3333333333')
    expect(decimalText(divide(d('2'), d('3')))).toBe('0.6666666667')
    expect(decimalText(divide(d('1'), d('20')))).toBe('0.05')
    expect(decimalText(divide(d('1'), d('8000')))).toBe('0.000125')
    expect(decimalText(divide(d('123456789012'), d('1')))).toBe('123456789000')
  })

  it('takes the mean of two exactly when ten digits hold it', () => {
    expect(decimalText(mean(d('0.92'), d('0.93')))).toBe('0.925')
    expect(decimalText(mean(d('156.1'), d('156.5')))).toBe('156.3')
  })
})

describe('ISO 4217 minor units', () => {
  it.each([
    ['JPY', 0],
    ['EUR', 2],
    ['USD', 2],
    ['KWD', 3],
    ['IQD', 3],
    ['CLF', 4],
  ])('%s has %i decimals', (code, digits) => {
    expect(minorDigits(code)).toBe(digits)
  })

  it('knows no minor unit for gold, SDRs or test codes, nor for codes that are not currencies', () => {
    for (const code of ['XAU', 'XDR', 'XTS', 'XXX', 'ABC', 'eur']) expect(isCurrency(code)).toBe(false)
    for (const code of ['XAF', 'XOF', 'XCD', 'XPF']) expect(isCurrency(code)).toBe(true)
  })
})
