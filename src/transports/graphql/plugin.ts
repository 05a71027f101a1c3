// GraphQL at /graphql (mercurius): the same bearer token, domain services, errors and rate limits as REST.
// Abusive documents are refused before execution; every executed operation is charged by its cost.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  NoSchemaIntrospectionCustomRule,
} from 'graphql'
import mercurius from 'mercurius'
import type { Authenticator } from '../../auth/authenticator.ts'
import type { MaybeActor } from '../../domain/actor.ts'
import { RateLimitedError, type RateLimits } from '../../domain/rate-limits.ts'
import { clientAddress, setRateLimitHeaders } from '../../plugins/rate-limit.ts'
import type { GraphQLContext, GraphQLServices } from './builder.ts'
import { formatError } from './errors.ts'
import graphiqlPage from './graphiql.ts'
import { measureDocument, type QueryLimits } from './limits.ts'
import { createLoaders } from './loaders.ts'
import { graphqlSchema } from './schema.ts'

export interface GraphQLOptions {
  services: GraphQLServices
  rateLimits: RateLimits
  authenticator: Authenticator
  limits: QueryLimits
  /** Bytes a document may have; larger ones are refused before they are parsed. */
  maxDocumentBytes: number
  graphiql: boolean
  introspection: boolean
  batching: boolean
}

interface RequestContext extends GraphQLContext {
  reply: FastifyReply
  cost?: { complexity: number; charged: number; remaining?: number }
}

const { ErrorWithProps, defaultErrorFormatter } = mercurius

const GRAPHQL_RESPONSE = 'application/graphql-response+json'

function wantsGraphQLResponse(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes(GRAPHQL_RESPONSE)
}

/**
 * A request HTTP cannot carry to GraphQL at all (bad JSON, a query that is not a string, no query): always
 * 400. Unlike a document GraphQL rejects, which application/json clients receive with a 200.
 */
function isMalformedRequest(error: GraphQLError): boolean {
  const original = error.originalError as { code?: string; errors?: unknown[] } | undefined
  if (!original?.code) return false
  if (original.code.startsWith('FST_') || original.code === 'MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND')
    return true
  return (
    original.code === 'MER_ERR_GQL_VALIDATION' &&
    !(original.errors ?? []).every((e) => e instanceof GraphQLError)
  )
}

/** Rate-limit units an operation costs: one per hundred nodes it may return, at least one. */
export function chargeOf(complexity: number): number {
  return Math.max(1, Math.ceil(complexity / 100))
}

function operationName(request: FastifyRequest): string | undefined {
  const body = request.body as { operationName?: string } | undefined
  const query = request.query as { operationName?: string } | undefined
  return body?.operationName ?? query?.operationName ?? undefined
}

// The variables as sent: an object in a POST body, JSON text in a GET query string.
function variablesOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body as { variables?: unknown } | undefined
  const query = request.query as { variables?: unknown } | undefined
  let variables = body?.variables ?? query?.variables
  if (typeof variables === 'string') {
    try {
      variables = JSON.parse(variables)
    } catch {
      return {}
    }
  }
  return typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : {}
}

// Tokens a document may have: more than any real query, few enough that parsing one is cheap.
const MAX_TOKENS = 10_000

async function graphqlPlugin(app: FastifyInstance, options: GraphQLOptions) {
  const { services, rateLimits, limits, maxDocumentBytes } = options

  // Subscribers sign in with `{ "authorization": "Bearer <token>" }` in connection_init: the actor, null for
  // anonymous, false when the token is refused.
  const signIn = async (payload: Record<string, unknown> | undefined): Promise<MaybeActor | false> => {
    const header = (payload?.authorization ?? payload?.Authorization) as string | undefined
    if (!header) return null
    const token = /^Bearer +(\S+)$/i.exec(header)?.[1]
    if (!token) return false
    try {
      return await options.authenticator.actorFor(token)
    } catch {
      return false
    }
  }

  // Refuses a document before parsing, validating or running it when it is too large or breaks a limit.
  const refuseLarge = (source: string) => {
    const bytes = Buffer.byteLength(source)
    if (bytes > maxDocumentBytes) {
      throw new ErrorWithProps(
        `The document has ${bytes} bytes; the maximum is ${maxDocumentBytes}.`,
        { code: 'DOCUMENT_TOO_LARGE' },
        400,
      )
    }
  }
  const refuseAbusive = (
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Record<string, unknown>,
    operation: string | undefined,
    validated = true,
  ) => {
    const measured = measureDocument(schema, document, variables, limits, operation)
    // Before validation, a connection without `first` is left to validation's own words.
    const [first] = validated ? measured.errors : measured.errors.filter((e) => e.code !== 'BAD_USER_INPUT')
    if (first) throw new ErrorWithProps(first.message, { code: first.code }, 400)
    return measured
  }

  // The response media type follows Accept: application/graphql-response+json when asked for, else JSON.
  const mediaType = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.type(
      wantsGraphQLResponse(request)
        ? `${GRAPHQL_RESPONSE}; charset=utf-8`
        : 'application/json; charset=utf-8',
    )
    done()
  }
  app.addHook('onRoute', (route) => {
    if (route.url !== '/graphql') return
    route.onRequest = [...[route.onRequest ?? []].flat(), mediaType]
    // GraphQL over HTTP: `extensions` may be null, like `variables`.
    const body = route.schema?.body as { properties?: Record<string, unknown> } | undefined
    if (body?.properties?.extensions) body.properties.extensions = { type: ['object', 'null'] }
  })

  // GraphiQL is a page of our own, served from the npm packages: mercurius's loads them from a CDN.
  if (options.graphiql) await app.register(graphiqlPage)
  await app.register(mercurius, {
    schema: graphqlSchema(),
    path: '/graphql',
    allowBatchedQueries: options.batching,
    // Compile a query to JavaScript once it has been run once (graphql-jit): 1.3x the throughput here
    // (npm run bench:graphql).
    jit: 1,
    graphql: { parseOptions: { maxTokens: MAX_TOKENS } },
    validationRules: options.introspection ? [] : [NoSchemaIntrospectionCustomRule],
    context: (request: FastifyRequest, reply: FastifyReply): RequestContext => ({
      actor: request.actor,
      services,
      loaders: createLoaders(services),
      exchangeRates: new Map(),
      reply,
    }),
    errorFormatter: (execution, context) => {
      const log = (context as { reply?: FastifyReply }).reply?.log ?? app.log
      const errors = execution.errors.map((error) =>
        // Validation errors arrive wrapped; mercurius unwraps those itself.
        Array.isArray((error.originalError as { errors?: unknown })?.errors)
          ? error
          : formatError(error, log),
      )
      const formatted = defaultErrorFormatter({ ...execution, errors }, context)
      const request = (context as { reply?: FastifyReply }).reply?.request
      if (formatted.statusCode === 400 && request && !execution.errors.some(isMalformedRequest)) {
        // GraphQL-over-HTTP: a request error is a 400 without `data` for graphql-response+json clients,
        // and a 200 for application/json clients.
        if (wantsGraphQLResponse(request)) delete (formatted.response as { data?: unknown }).data
        else formatted.statusCode = 200
      }
      // Spec validation errors come without a code; every error leaves with one.
      const response = formatted.response as { errors?: { extensions?: Record<string, unknown> }[] }
      for (const e of response.errors ?? [])
        e.extensions = { code: 'GRAPHQL_VALIDATION_FAILED', ...e.extensions }
      return formatted
    },
    subscription: {
      // mercurius calls this with the connection as `this`. A refused graphql-transport-ws client is closed
      // with 4403 Forbidden, as that protocol says; mercurius would send a legacy connection_error instead.
      async onConnect(this: unknown, { payload }) {
        const actor = await signIn(payload)
        if (actor !== false) return { actor }
        const socket = (this as { socket?: { protocol: string; close(code: number, reason: string): void } })
          .socket
        if (socket?.protocol === 'graphql-transport-ws') socket.close(4403, 'Forbidden')
        return false
      },
      context: () => ({ actor: null as MaybeActor, services, loaders: createLoaders(services) }),
    },
  })

  // Limits, before the document is validated (validation of a huge document is itself the attack), and
  // again with cost before it runs: a cached document skips validation.
  app.graphql.addHook('preParsing', async (_schema: GraphQLSchema, source: string) => refuseLarge(source))
  app.graphql.addHook('preValidation', async (schema: GraphQLSchema, document: DocumentNode, context) => {
    const request = (context as unknown as RequestContext).reply.request
    refuseAbusive(schema, document, variablesOf(request), operationName(request), false)
  })
  app.graphql.addHook(
    'preExecution',
    async (schema: GraphQLSchema, document: DocumentNode, context, variables) => {
      const ctx = context as unknown as RequestContext
      const operation = operationName(ctx.reply.request)
      if (getOperationAST(document, operation)?.operation === 'subscription') {
        throw new ErrorWithProps(
          'Subscriptions are served over WebSocket at /graphql (graphql-transport-ws), not over HTTP.',
          { code: 'BAD_REQUEST' },
          400,
        )
      }
      const measured = refuseAbusive(schema, document, variables ?? {}, operation)
      const charged = chargeOf(measured.cost)
      ctx.cost = { complexity: measured.cost, charged }
      const decision = await rateLimits.charge(
        { actor: ctx.actor, ip: clientAddress(ctx.reply.request) },
        charged,
      )
      if (!decision) return
      ctx.cost.remaining = decision.remaining
      setRateLimitHeaders(ctx.reply, decision)
      if (!decision.allowed) {
        const refused = new RateLimitedError(decision)
        throw new ErrorWithProps(
          refused.message,
          { code: 'RATE_LIMITED', retryAfter: refused.retryAfterSeconds },
          429,
        )
      }
    },
  )

  // Tell the caller what the operation cost, and which exchange rates its converted prices used.
  app.graphql.addHook('onResolution', async (execution: ExecutionResult, context) => {
    const ctx = context as unknown as RequestContext
    if (ctx.cost) execution.extensions = { ...execution.extensions, cost: ctx.cost }
    if (ctx.exchangeRates?.size) {
      execution.extensions = { ...execution.extensions, exchangeRates: Object.fromEntries(ctx.exchangeRates) }
    }
  })

  // Subscriptions obey the same document limits.
  app.graphql.addHook('preSubscriptionParsing', async (_schema: GraphQLSchema, source: string) =>
    refuseLarge(source),
  )
  app.graphql.addHook('preSubscriptionExecution', async (schema: GraphQLSchema, document: DocumentNode) => {
    refuseAbusive(schema, document, {}, undefined)
  })
}

export default fp(graphqlPlugin, { name: 'graphql', dependencies: ['auth'] })
