// GraphQL errors carry a stable `extensions.code`; domain errors keep their message, anything else is a
// bug and is masked as INTERNAL (logged in full, answered with nothing internal).
import type { FastifyBaseLogger } from 'fastify'
import { type ExecutionResult, GraphQLError } from 'graphql'
import {
  DomainError,
  type DomainErrorCode,
  InvalidInputError,
  UnavailableError,
} from '../../domain/errors.ts'
import { RateLimitedError } from '../../domain/rate-limits.ts'

const CODES: Record<DomainErrorCode, string> = {
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  'not-found': 'NOT_FOUND',
  conflict: 'CONFLICT',
  'precondition-failed': 'PRECONDITION_FAILED',
  'invalid-input': 'BAD_USER_INPUT',
  'rate-limited': 'RATE_LIMITED',
  unavailable: 'SERVICE_UNAVAILABLE',
}

/** A client-side error found before execution (limits, validation). */
export function badRequest(message: string, code = 'GRAPHQL_VALIDATION_FAILED'): GraphQLError {
  return new GraphQLError(message, { extensions: { code } })
}

function extensionsOf(original: Error | undefined): Record<string, unknown> | undefined {
  if (!(original instanceof DomainError)) return undefined
  const extensions: Record<string, unknown> = { code: CODES[original.code] }
  if (original instanceof InvalidInputError) extensions.field = original.pointer
  if (original instanceof RateLimitedError || original instanceof UnavailableError)
    extensions.retryAfter = original.retryAfterSeconds
  return extensions
}

/** A domain error as a GraphQL error with its code (for paths mercurius does not format, as subscribe). */
export function asGraphQLError(error: unknown): unknown {
  if (!(error instanceof DomainError)) return error
  return new GraphQLError(error.message, { originalError: error, extensions: extensionsOf(error) })
}

/** Formats one error for the response. */
export function formatError(error: GraphQLError, log: FastifyBaseLogger): GraphQLError {
  const original = error.originalError
  const domain = extensionsOf(original)
  if (domain)
    return new GraphQLError(error.message, { path: error.path, nodes: error.nodes, extensions: domain })
  // Refusals with a 4xx status (limits, rate limits, syntax) are the client's: keep them, status and all.
  const status = (original as { statusCode?: unknown } | undefined)?.statusCode
  if (typeof status === 'number' && status < 500) {
    if (!error.extensions?.code) {
      return new GraphQLError(error.message, {
        nodes: error.nodes,
        path: error.path,
        originalError: original,
        extensions: { code: 'BAD_REQUEST' },
      })
    }
    return error
  }
  // Errors the client caused without reaching a resolver (validation, variables) keep their words.
  if (!original || original instanceof GraphQLError) {
    const code = error.extensions?.code ?? (error.path ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED')
    return new GraphQLError(error.message, {
      path: error.path,
      nodes: error.nodes,
      extensions: { ...error.extensions, code },
    })
  }
  log.error({ err: original, path: error.path }, 'graphql resolver failed')
  return new GraphQLError('Something went wrong on our side.', {
    path: error.path,
    nodes: error.nodes,
    extensions: { code: 'INTERNAL' },
  })
}

export function formatErrors(result: ExecutionResult, log: FastifyBaseLogger): ExecutionResult {
  return { ...result, errors: result.errors?.map((e) => formatError(e, log)) }
}
