// Money travels as a decimal string ("9.99"), never a float that could print 0.30000000000000004.
import { GraphQLError, Kind, type ValueNode } from 'graphql'
import { MAX_PRICE_CENTS } from '../../domain/money.ts'
import { builder } from './builder.ts'

const DECIMAL = /^(\d{1,8})(?:\.(\d{1,2}))?$/

/** "9.99" or 9.99 -> 999 cents, exactly, from the text the client wrote. */
function centsOf(text: string): number {
  const match = DECIMAL.exec(text.trim())
  if (!match)
    throw new GraphQLError(`Money must be a non-negative amount with at most two decimals, not "${text}"`)
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
  if (cents > MAX_PRICE_CENTS) throw new GraphQLError(`Money must be at most ${MAX_PRICE_CENTS / 100}`)
  return cents
}

builder.scalarType('Money', {
  description:
    'An amount of USD with at most two decimals, as a string ("9.99"); numbers are accepted as input.',
  serialize: (cents) => (Number(cents) / 100).toFixed(2),
  parseValue: (value) => {
    if (typeof value === 'string') return centsOf(value)
    if (typeof value === 'number') return centsOf(String(value))
    throw new GraphQLError('Money must be a string such as "9.99"')
  },
  parseLiteral: (node: ValueNode) => {
    // A literal keeps the digits as written, so 9.99 is read exactly.
    if (node.kind === Kind.STRING || node.kind === Kind.FLOAT || node.kind === Kind.INT)
      return centsOf(node.value)
    throw new GraphQLError('Money must be a string such as "9.99"')
  },
})

builder.scalarType('DateTime', {
  description: 'An ISO-8601 UTC timestamp',
  serialize: (value) => String(value),
  parseValue: (value) => String(value),
})
