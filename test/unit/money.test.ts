// Prices are exact cents: what a client sends with two decimals comes back unchanged.
import { describe, expect, it } from 'vitest'
import { InvalidInputError } from '../../src/domain/errors.ts'
import { fromCents, MAX_PRICE, toCents } from '../../src/domain/money.ts'

describe('money', () => {
  it.each([
    [9.99, 999],
    [0.1, 10],
    [0.29, 29],
    [0.3, 30],
    [10, 1000],
    [0, 0],
    [1234567.89, 123456789],
    [MAX_PRICE, MAX_PRICE * 100],
  ])('%s is %s cents and back', (amount, cents) => {
    expect(toCents(amount)).toBe(cents)
    expect(fromCents(cents)).toBe(amount)
  })

  it.each([9.999, 0.1 + 0.2, -1, MAX_PRICE + 0.01, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses %s',
    (amount) => {
      expect(() => toCents(amount)).toThrow(InvalidInputError)
    },
  )

  it('every two-decimal amount up to 100.00 survives the round trip', () => {
    for (let cents = 0; cents <= 10_000; cents++) {
      const amount = Number((cents / 100).toFixed(2))
      expect(fromCents(toCents(amount))).toBe(amount)
    }
  })
})
