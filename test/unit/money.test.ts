// Prices are exact cents: the amount a client writes, in REST's JSON number or GraphQL's decimal string,
// becomes cents without floating-point arithmetic, and comes back as written.
import { describe, expect, it } from 'vitest'
import { check } from '../../src/domain/check.ts'
import { InvalidInputError } from '../../src/domain/errors.ts'
import { MAX_PRICE_CENTS, Price } from '../../src/domain/money.ts'
import { centsOf, decimalOf, dollarsOf, isDecimal } from '../../src/transports/shared/money.ts'

describe('money at the edge', () => {
  it.each([
    ['9.99', 999],
    ['0.1', 10],
    ['0.29', 29],
    ['0.3', 30],
    ['10', 1000],
    ['0', 0],
    ['9.990', 999],
    ['1e3', 100_000],
    ['1.5E-1', 15],
    ['1234567.89', 123456789],
    ['10000000', MAX_PRICE_CENTS],
    ['-1', -100],
  ])('%s is %s cents', (amount, cents) => {
    expect(centsOf(amount)).toBe(cents)
  })

  it('reads -0 as 0, on both kinds of input', () => {
    for (const amount of ['-0', '-0.00', -0, '0e5']) expect(Object.is(centsOf(amount), 0)).toBe(true)
  })

  it.each(['9.999', '1.0000000000000000001', '1e-3', '0.001', 'abc', '', ' 1', '1.', '.5', '0x10', 'NaN'])(
    '%s is not a whole number of cents: NaN, which the Price rule refuses',
    (amount) => {
      expect(centsOf(amount)).toBeNaN()
      expect(() => check(Price, centsOf(amount), '/price')).toThrow(InvalidInputError)
    },
  )

  it('reads numbers from their shortest decimal form, so 0.1 + 0.2 is not 30 cents', () => {
    expect(centsOf(0.1 + 0.2)).toBeNaN()
    expect(centsOf(1e21)).toBe(1e23)
    expect(centsOf(1e-7)).toBeNaN()
  })

  it('tells a decimal from anything else', () => {
    expect(['9.99', '-1', '1e3', '007'].every(isDecimal)).toBe(true)
    expect(['abc', '9,99', '1.', '+1', ' 1', 'Infinity'].some(isDecimal)).toBe(false)
  })

  it('every amount up to 100.00 survives the round trip both ways', () => {
    for (let cents = 0; cents <= 10_000; cents++) {
      expect(centsOf(dollarsOf(cents))).toBe(cents)
      expect(centsOf(decimalOf(cents))).toBe(cents)
    }
    expect(decimalOf(MAX_PRICE_CENTS)).toBe('10000000.00')
    expect(decimalOf(5)).toBe('0.05')
  })

  it('the Price rule takes whole cents from 0 to the maximum, with one reason for every refusal', () => {
    for (const cents of [0, 1, MAX_PRICE_CENTS]) expect(() => check(Price, cents, '/price')).not.toThrow()
    const reasons = new Set<string>()
    for (const cents of [-1, MAX_PRICE_CENTS + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1']) {
      try {
        check(Price, cents, '/price')
        throw new Error(`${cents} was accepted`)
      } catch (error) {
        expect(error).toMatchObject({ pointer: '/price' })
        reasons.add((error as Error).message)
      }
    }
    expect([...reasons]).toEqual([Price.errorMessage])
  })
})
