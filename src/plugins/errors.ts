// Turns every failure into an RFC 9457 problem: domain errors, validation, framework errors, bugs.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import FindMyWay from 'find-my-way'
import { DomainError, type DomainErrorCode, InvalidInputError, UnavailableError } from '../domain/errors.ts'
import { InsufficientScopeError } from '../domain/policy.ts'
import { RateLimitedError } from '../domain/rate-limits.ts'
import { challenge } from './auth.ts'
import { STATUS_CODES } from './node-http.ts'
import { PROBLEM_CONTENT_TYPE, type ProblemBody, problemType } from './problem.ts'

const DOMAIN_STATUS: Record<DomainErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'precondition-failed': 412,
  'invalid-input': 422,
  'rate-limited': 429,
  unavailable: 503,
}

type Location = 'body' | 'query' | 'path' | 'header'
const LOCATIONS: Record<string, Location> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
}

interface AjvError {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

/** The problem body of a request; `sendProblem` sends it, a hook that must return the body uses it. */
export function problemBody(
  request: FastifyRequest,
  status: number,
  detail: string,
  extra: Partial<ProblemBody> = {},
): ProblemBody {
  return {
    type: problemType(status),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: request.url.split('?')[0] ?? request.url,
    request_id: String(request.id),
    ...extra,
  }
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  detail: string,
  extra: Partial<ProblemBody> = {},
): FastifyReply {
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(request, status, detail, extra))
}

// One entry per invalid field, naming it by a JSON pointer where it was sent.
function invalidParams(errors: AjvError[], location: Location) {
  const seen = new Set<string>()
  const params = []
  for (const error of errors) {
    let pointer = error.instancePath
    let detail = error.message ?? 'is invalid'
    if (error.keyword === 'required') pointer += `/${String(error.params.missingProperty)}`
    if (error.keyword === 'additionalProperties') {
      pointer += `/${String(error.params.additionalProperty)}`
      detail = 'is not a known field'
    }
    if (pointer === '') pointer = '/'
    // anyOf/enum failures repeat per branch; one line per field reads better.
    if (seen.has(pointer)) continue
    seen.add(pointer)
    params.push({ in: location, pointer, detail })
  }
  return params
}

function handleError(
  this: FastifyInstance,
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (error instanceof DomainError) {
    const status = DOMAIN_STATUS[error.code]
    if (status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', challenge())
    if (error instanceof InsufficientScopeError) {
      reply.header('www-authenticate', challenge({ error: 'insufficient_scope', scope: error.scope }))
    }
    if (error instanceof RateLimitedError) {
      // The rate-limit hook has set RateLimit and Retry-After with the decision.
      const { policy } = error.decision
      return sendProblem(request, reply, status, error.message, {
        policy: { name: policy.name, limit: policy.limit, window: policy.windowMs / 1000 },
      } as Partial<ProblemBody>)
    }
    // The adapter that saw the outage has logged it, once; the caller learns when to come back.
    if (error instanceof UnavailableError) reply.header('retry-after', String(error.retryAfterSeconds))
    const extra =
      error instanceof InvalidInputError
        ? { errors: [{ in: 'body' as const, pointer: error.pointer, detail: error.message }] }
        : {}
    return sendProblem(request, reply, status, error.message, extra)
  }
  if (error.validation) {
    const location = LOCATIONS[error.validationContext ?? 'body'] ?? 'body'
    const errors = invalidParams(error.validation as AjvError[], location)
    const detail = `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}.`
    return sendProblem(request, reply, 422, detail, { errors })
  }
  const status = error.statusCode ?? 500
  // No answer reaches a client that hung up, and Fastify logs no line for it: say here that it stopped.
  if (status === 499) request.log.info({ url: request.url, status }, 'client closed the connection')
  if (status >= 400 && status < 500) return sendProblem(request, reply, status, error.message)
  // A 5xx is a bug: log everything, answer nothing that could leak internals.
  request.log.error({ err: error }, 'unhandled error')
  return sendProblem(
    request,
    reply,
    500,
    'Something went wrong on our side. Quote the request id when reporting it.',
  )
}

async function errorsPlugin(app: FastifyInstance) {
  // A second router that knows every route, to tell 405 (wrong method) from 404 (no such path).
  const known = FindMyWay({ ignoreTrailingSlash: true })
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue
      try {
        known.on(method as 'GET', route.url, () => {})
      } catch {
        // Already known (e.g. a route registered with and without a trailing slash).
      }
    }
  })

  app.setErrorHandler(handleError)

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter(
      (m) => known.find(m as 'GET', path) !== null,
    )
    if (allowed.includes('GET')) allowed.push('HEAD')
    // The method is allowed, yet the route sent us here: a wildcard route (/docs/static/*) has nothing there.
    const methodAllowed = allowed.includes(request.method)
    if (allowed.length > 0 && !methodAllowed && request.method !== 'OPTIONS') {
      reply.header('allow', allowed.join(', '))
      return sendProblem(
        request,
        reply,
        405,
        `${request.method} is not allowed here; allowed: ${allowed.join(', ')}`,
      )
    }
    return sendProblem(request, reply, 404, `Nothing at ${request.method} ${path}.`)
  })
}

export default fp(errorsPlugin, { name: 'errors' })
