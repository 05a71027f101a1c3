// Money travels as a decimal string ("9.99"), never a float that could print 0.30000000000000004.
import { GraphQLError, Kind, type ValueNode } from 'graphql'
import { decimalOf, isDecimal } from '../shared/money.ts'
import { builder } from './builder.ts'

// The scalar takes the amount as the client wrote it; resolvers turn it into cents (centsOf), and whether it
// is a price the domain takes (not negative, whole cents, not too large) is the domain's rule, refused naming
// the field. (NaN, centsOf's "not whole cents", cannot be the scalar's value: graphql-jit drops it.)
function decimal(text: string): string {
  if (!isDecimal(text)) throw new GraphQLError(`Money must be a decimal amount such as "9.99", not "${text}"`)
  return text
}

builder.scalarType('Money', {
  description:
    'An amount of money as a decimal string: USD with two decimals ("9.99"), or, where a field converts it, the currency’s ISO 4217 minor unit ("1476" JPY). As input: USD with at most two decimals; numbers are accepted.',
  // Cents, or a converted amount already written exactly.
  serialize: (value) => (typeof value === 'string' ? value : decimalOf(Number(value))),
  parseValue: (value) => {
    // A number is read from its shortest decimal form, which names the value the JSON text did.
    if (typeof value === 'string' || typeof value === 'number') return decimal(String(value))
    throw new GraphQLError('Money must be a string such as "9.99"')
  },
  parseLiteral: (node: ValueNode) => {
    // A literal keeps the digits as written, so 9.99 is read exactly.
    if (node.kind === Kind.STRING || node.kind === Kind.FLOAT || node.kind === Kind.INT)
      return decimal(node.value)
    throw new GraphQLError('Money must be a string such as "9.99"')
  },
})

builder.scalarType('DateTime', {
  description: 'An ISO-8601 UTC timestamp',
  serialize: (value) => String(value),
  parseValue: (value) => String(value),
})
