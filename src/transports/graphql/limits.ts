// Limits that reject an abusive document before anything runs: depth, aliases and cost. Cost follows
// GitHub's model: a connection costs its `first` times the size of the connections it is nested in, so
// `items(first: 10) { owner { items(first: 10) } }` costs 1 + 10 + 100.
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql'

export interface QueryLimits {
  maxDepth: number
  maxAliases: number
  maxCost: number
  /** The largest `first` a connection accepts. */
  maxPage: number
}

interface Walk {
  cost: number
  depth: number
  aliases: number
  errors: string[]
}

function firstOf(field: FieldNode, variables: Record<string, unknown>): number | undefined {
  const arg = field.arguments?.find((a) => a.name.value === 'first')
  if (!arg) return undefined
  if (arg.value.kind === Kind.INT) return Number(arg.value.value)
  if (arg.value.kind === Kind.VARIABLE) {
    const value = variables[arg.value.name.value]
    return typeof value === 'number' ? value : undefined
  }
  return undefined
}

function walk(
  selectionSet: SelectionSetNode,
  parent: GraphQLObjectType,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  limits: QueryLimits,
  multiplier: number,
  depth: number,
  seen: Set<string>,
  out: Walk,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments[selection.name.value]
      if (!fragment || seen.has(fragment.name.value)) continue
      const type = fragment.typeCondition.name.value
      const target = isObjectType(parent) && parent.name === type ? parent : undefined
      walk(
        fragment.selectionSet,
        target ?? parent,
        fragments,
        variables,
        limits,
        multiplier,
        depth,
        new Set([...seen, fragment.name.value]),
        out,
      )
      continue
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      walk(selection.selectionSet, parent, fragments, variables, limits, multiplier, depth, seen, out)
      continue
    }
    const name = selection.name.value
    // Introspection is bounded by the schema itself and is neither deep nor costly to serve.
    if (name.startsWith('__')) continue
    if (selection.alias) out.aliases += 1
    out.depth = Math.max(out.depth, depth)
    const field = parent.getFields()[name]
    if (!field) continue
    const type = getNamedType(field.type)
    let inner = multiplier
    if (type.name.endsWith('Connection')) {
      const first = firstOf(selection, variables)
      if (first === undefined) {
        out.errors.push(`${name}: \`first\` is required on connections.`)
        continue
      }
      if (first < 1 || first > limits.maxPage) {
        out.errors.push(`${name}: \`first\` must be between 1 and ${limits.maxPage}, not ${first}.`)
        continue
      }
      inner = multiplier * first
      out.cost += inner
    }
    if (selection.selectionSet && isObjectType(type)) {
      walk(selection.selectionSet, type, fragments, variables, limits, inner, depth + 1, seen, out)
    }
  }
}

export interface Measured {
  cost: number
  depth: number
  aliases: number
  /** Every limit the operation breaks, with the error code to report. */
  errors: { message: string; code: string }[]
}

/**
 * Measures the operation a request will run (its cost, depth and aliases) and lists the limits it
 * breaks. Runs before execution: a refused document runs no resolver.
 */
export function measureDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  limits: QueryLimits,
  operationName: string | undefined,
): Measured {
  const fragments: Record<string, FragmentDefinitionNode> = {}
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)
  const operation =
    operations.find((o) => o.name?.value === operationName) ??
    (operations.length === 1 ? operations[0] : undefined)
  const out: Walk = { cost: 1, depth: 0, aliases: 0, errors: [] }
  const root = !operation
    ? undefined
    : operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType()
  if (operation && root)
    walk(operation.selectionSet, root, fragments, variables, limits, 1, 1, new Set(), out)
  const errors = out.errors.map((message) => ({ message, code: 'BAD_USER_INPUT' }))
  if (out.depth > limits.maxDepth) {
    errors.push({
      message: `Query depth ${out.depth} exceeds the maximum of ${limits.maxDepth}.`,
      code: 'QUERY_TOO_DEEP',
    })
  }
  if (out.aliases > limits.maxAliases) {
    errors.push({
      message: `The query uses ${out.aliases} aliases; the maximum is ${limits.maxAliases}.`,
      code: 'TOO_MANY_ALIASES',
    })
  }
  if (out.cost > limits.maxCost) {
    errors.push({
      message: `Query cost ${out.cost} exceeds the maximum of ${limits.maxCost}.`,
      code: 'QUERY_TOO_COSTLY',
    })
  }
  return { cost: out.cost, depth: out.depth, aliases: out.aliases, errors }
}
