// GraphQL operations generated from the schema: one per root field that takes arguments, its arguments sent as
// variables, at most one of them wrong (a wrong type, null where one is required, an unknown input field), so
// that the refusal of one never hides what the others do.
import fc, { type Arbitrary } from 'fast-check'
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql'
import { text } from './schema-arbitrary.ts'

export interface RootField {
  kind: 'query' | 'mutation'
  name: string
  field: GraphQLField<unknown, unknown>
}

export function rootFieldsWithArguments(schema: GraphQLSchema): RootField[] {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const
  return roots.flatMap(([kind, type]) =>
    Object.values(type?.getFields() ?? {})
      .filter((field) => field.args.length > 0)
      .map((field) => ({ kind, name: field.name, field })),
  )
}

/** The operation's text: every argument a variable, and the leaves of the result selected. */
export function documentFor({ kind, field }: RootField): string {
  const variables = field.args.map((a) => `$${a.name}: ${a.type}`).join(', ')
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ')
  const type = getNamedType(field.type)
  const leaves = isObjectType(type)
    ? Object.values(type.getFields())
        .filter((f) => isLeafType(getNamedType(f.type)) && f.args.every((a) => !isNonNullType(a.type)))
        .map((f) => f.name)
    : []
  const selection = isObjectType(type) ? ` { __typename ${leaves.join(' ')} }` : ''
  return `${kind} Generated(${variables}) { ${field.name}(${args})${selection} }`
}

/** A run-time value (a real id, a room): `hints[name][i % n]`, as in openapi-requests.ts. */
export interface Hint {
  hint: string
  i: number
}

const SCALARS: Record<string, () => Arbitrary<unknown>> = {
  ID: () => fc.oneof(fc.uuid(), text(0, 12)),
  String: () => text(0, 40),
  Int: () => fc.integer({ min: -5, max: 150 }),
  Float: () => fc.double({ noNaN: true, noDefaultInfinity: true }),
  Boolean: () => fc.boolean(),
  // Money takes a USD decimal string or a number.
  Money: () =>
    fc.oneof(
      fc.integer({ min: 0, max: 1_000_000_000 }).map((c) => (c / 100).toFixed(2)),
      fc.integer({ min: 0, max: 1_000_000 }).map((c) => c / 100),
    ),
}

/** A value of the right GraphQL type (which the domain may still refuse: a blank name, a price of -1). */
function goodValue(type: GraphQLInputType, name: string, hinted: Set<string>): Arbitrary<unknown> {
  if (isNonNullType(type)) return goodValue(type.ofType, name, hinted)
  if (isListType(type)) return fc.array(goodValue(type.ofType, name, hinted), { maxLength: 4 })
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.name))
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).map((f): [string, Arbitrary<unknown>] => {
      const value = goodValue(f.type, f.name, hinted)
      return [f.name, isNonNullType(f.type) ? value : fc.option(value, { nil: undefined, freq: 2 })]
    })
    return fc.record(Object.fromEntries(fields))
  }
  const scalar = SCALARS[type.name]?.() ?? fc.string()
  if (!hinted.has(name)) return scalar
  return fc.oneof({ arbitrary: fc.record({ hint: fc.constant(name), i: fc.nat(9) }), weight: 3 }, scalar)
}

/** A value GraphQL itself refuses for the type: wrong type, null where required, an unknown field. */
function badValue(type: GraphQLInputType): Arbitrary<unknown> {
  const wrong: Arbitrary<unknown>[] = [fc.constant({ not: 'this' }), fc.constant([[1]])]
  if (isNonNullType(type)) wrong.push(fc.constant(null))
  const named = getNamedType(type)
  if (isInputObjectType(named)) wrong.push(fc.constant({ notAField: 1 }), fc.constant('text'))
  else if (isEnumType(named)) wrong.push(fc.constantFrom('NOT_A_VALUE', 1))
  else if (named.name === 'Int') wrong.push(fc.constantFrom(2 ** 31, 1.5, '1', true))
  else if (named.name === 'Boolean') wrong.push(fc.constantFrom('true', 0))
  else if (named.name === 'Money') wrong.push(fc.constantFrom('9.999', '1e3', 'abc', -1, true))
  else if (named.name !== 'String' && named.name !== 'ID') wrong.push(fc.constant(true))
  return fc.oneof(...wrong)
}

export interface GeneratedOperation {
  caller: string
  variables: Record<string, unknown>
}

export function operationArbitrary(
  root: RootField,
  callers: { good: string[]; bad: string[] },
  hinted: Set<string>,
): Arbitrary<GeneratedOperation> {
  const args = root.field.args
  const variables = (wrong?: GraphQLArgument) =>
    fc.record(
      Object.fromEntries(
        args.map((a) => {
          if (a === wrong) return [a.name, badValue(a.type)]
          const value = goodValue(a.type, a.name, hinted)
          return [a.name, isNonNullType(a.type) ? value : fc.option(value, { nil: undefined, freq: 2 })]
        }),
      ),
    )
  const good = fc.record({ caller: fc.constantFrom(...callers.good), variables: variables() })
  return fc.oneof(
    { arbitrary: good, weight: args.length + 1 },
    fc.record({ caller: fc.constantFrom(...callers.bad), variables: variables() }),
    ...args.map((a) => fc.record({ caller: fc.constantFrom(...callers.good), variables: variables(a) })),
  )
}

/** The variables with their run-time values put in; undefined ones left out, as JSON would. */
export function resolveVariables(value: unknown, hints: Record<string, string[]>): unknown {
  if (value && typeof value === 'object' && 'hint' in value && 'i' in value) {
    const { hint, i } = value as Hint
    const pool = hints[hint] ?? []
    return pool.length ? pool[i % pool.length] : ''
  }
  if (Array.isArray(value)) return value.map((v) => resolveVariables(v, hints))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveVariables(v, hints)]))
  }
  return value
}
