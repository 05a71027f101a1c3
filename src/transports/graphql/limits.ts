// Limits that reject an abusive document before it is validated or run: depth, aliases, cost and
// introspection. Cost follows GitHub's model: a connection costs its `first` times the size of the
// connections it is nested in, so `items(first: 10) { owner { items(first: 10) } }` costs 1 + 10 + 100.
// Introspection fields count like any other: an alias of `__schema` is an alias, and each `__schema` or
// `__type` costs as much as a page of 100 nodes, since it returns the whole schema.
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

/** `__schema` and `__type` fields an operation may have: a client needs one to read the schema. */
export const MAX_INTROSPECTION_FIELDS = 2
/** What one `__schema` or `__type` costs: the schema is a few hundred nodes. */
export const INTROSPECTION_COST = 100
/** Depth inside introspection: the standard introspection query nests `ofType` to depth 12. */
export const MAX_INTROSPECTION_DEPTH = 15
// Selections the walk visits before it gives up: fragments spread inside fragments grow exponentially.
const MAX_STEPS = 20_000

interface Walk {
  schema: GraphQLSchema
  fragments: Record<string, FragmentDefinitionNode>
  variables: Record<string, unknown>
  limits: QueryLimits
  cost: number
  depth: number
  introspectionDepth: number
  introspectionFields: number
  aliases: number
  steps: number
  errors: string[]
}

interface Position {
  parent: GraphQLObjectType | undefined
  multiplier: number
  depth: number
  /** Inside `__schema` or `__type`. */
  introspecting: boolean
  /** Fragments being expanded on this path (a cycle is a validation error, not ours to loop on). */
  expanding: ReadonlySet<string>
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

function parentOf(walk: Walk, typeName: string, at: Position): GraphQLObjectType | undefined {
  const type = walk.schema.getType(typeName)
  return isObjectType(type) ? type : at.parent
}

function visitField(walk: Walk, selection: FieldNode, at: Position): void {
  const name = selection.name.value
  if (selection.alias) walk.aliases += 1
  const root = name === '__schema' || name === '__type'
  const introspecting = at.introspecting || root
  if (introspecting) walk.introspectionDepth = Math.max(walk.introspectionDepth, at.depth)
  else walk.depth = Math.max(walk.depth, at.depth)
  let inner = at.multiplier
  if (root) {
    walk.introspectionFields += 1
    walk.cost += INTROSPECTION_COST * at.multiplier
  }
  const field = at.parent?.getFields()[name]
  const type =
    name === '__schema'
      ? walk.schema.getType('__Schema')
      : name === '__type'
        ? walk.schema.getType('__Type')
        : undefined
  const named = type ?? (field ? getNamedType(field.type) : undefined)
  if (named?.name.endsWith('Connection')) {
    const first = firstOf(selection, walk.variables)
    if (first === undefined) {
      walk.errors.push(`${name}: \`first\` is required on connections.`)
      return
    }
    if (first < 1 || first > walk.limits.maxPage) {
      walk.errors.push(`${name}: \`first\` must be between 1 and ${walk.limits.maxPage}, not ${first}.`)
      return
    }
    inner = at.multiplier * first
    walk.cost += inner
  }
  if (selection.selectionSet) {
    visit(walk, selection.selectionSet, {
      parent: isObjectType(named) ? named : undefined,
      multiplier: inner,
      depth: at.depth + 1,
      introspecting,
      expanding: at.expanding,
    })
  }
}

function visit(walk: Walk, selectionSet: SelectionSetNode, at: Position): void {
  for (const selection of selectionSet.selections) {
    walk.steps += 1
    if (walk.steps > MAX_STEPS) return
    if (selection.kind === Kind.FIELD) {
      visitField(walk, selection, at)
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const parent = selection.typeCondition
        ? parentOf(walk, selection.typeCondition.name.value, at)
        : at.parent
      visit(walk, selection.selectionSet, { ...at, parent })
    } else {
      const fragment = walk.fragments[selection.name.value]
      if (!fragment || at.expanding.has(fragment.name.value)) continue
      visit(walk, fragment.selectionSet, {
        ...at,
        parent: parentOf(walk, fragment.typeCondition.name.value, at),
        expanding: new Set([...at.expanding, fragment.name.value]),
      })
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
 * breaks. Runs before validation and again before execution: a refused document runs no resolver.
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
  const walk: Walk = {
    schema,
    fragments,
    variables,
    limits,
    cost: 1,
    depth: 0,
    introspectionDepth: 0,
    introspectionFields: 0,
    aliases: 0,
    steps: 0,
    errors: [],
  }
  const root = !operation
    ? undefined
    : operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType()
  if (operation && root) {
    const at = { parent: root, multiplier: 1, depth: 1, introspecting: false, expanding: new Set<string>() }
    visit(walk, operation.selectionSet, at)
  }
  const errors = walk.errors.map((message) => ({ message, code: 'BAD_USER_INPUT' }))
  const refuse = (code: string, message: string) => errors.push({ message, code })
  if (walk.steps > MAX_STEPS) {
    refuse('QUERY_TOO_COSTLY', `The query expands to more than ${MAX_STEPS} selections.`)
  }
  if (walk.depth > limits.maxDepth) {
    refuse('QUERY_TOO_DEEP', `Query depth ${walk.depth} exceeds the maximum of ${limits.maxDepth}.`)
  }
  if (walk.introspectionDepth > MAX_INTROSPECTION_DEPTH) {
    refuse(
      'QUERY_TOO_DEEP',
      `Introspection depth ${walk.introspectionDepth} exceeds the maximum of ${MAX_INTROSPECTION_DEPTH}.`,
    )
  }
  if (walk.aliases > limits.maxAliases) {
    refuse('TOO_MANY_ALIASES', `The query uses ${walk.aliases} aliases; the maximum is ${limits.maxAliases}.`)
  }
  if (walk.introspectionFields > MAX_INTROSPECTION_FIELDS) {
    refuse(
      'TOO_MUCH_INTROSPECTION',
      `The query has ${walk.introspectionFields} __schema or __type fields; the maximum is ${MAX_INTROSPECTION_FIELDS}.`,
    )
  }
  if (walk.cost > limits.maxCost) {
    refuse('QUERY_TOO_COSTLY', `Query cost ${walk.cost} exceeds the maximum of ${limits.maxCost}.`)
  }
  return { cost: walk.cost, depth: walk.depth, aliases: walk.aliases, errors }
}
