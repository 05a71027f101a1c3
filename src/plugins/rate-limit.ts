// Rate limits for REST: every request is charged to the caller's bucket before its route runs, and every
// limited response says where the caller stands (draft-ietf-httpapi-ratelimit-headers). Routes choose a
// cost or a stricter policy with `config.rateLimit`; operational routes are exempt.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import {
  type PolicyChoice,
  type RateDecision,
  RateLimitedError,
  type RateLimits,
} from '../domain/rate-limits.ts'
import { isOperationalRoute } from './operational-routes.ts'
import { problemResponses } from './problem.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: exempt. Otherwise how many units a request costs, and which policy it draws on. */
    rateLimit?: false | { cost?: number | ((request: FastifyRequest) => number); policy?: PolicyChoice }
  }
}

// Operational routes must work whatever a client has spent. GraphQL charges each operation by its cost
// itself (src/transports/graphql/plugin.ts), through the same service; its IDE page costs nothing.
const GRAPHQL = [/^\/graphql$/, /^\/graphiql/]
const exempt = (url: string) => isOperationalRoute(url) || GRAPHQL.some((pattern) => pattern.test(url))

const HEADERS = {
  ratelimit: {
    type: 'string',
    description: 'Where you stand: `"<policy>";r=<remaining>;t=<seconds until it refills>`',
    examples: ['"anonymous";r=99;t=36'],
  },
  'ratelimit-policy': {
    type: 'string',
    description: 'The policy applied: `"<policy>";q=<quota>;w=<window seconds>`',
    examples: ['"anonymous";q=100;w=3600'],
  },
}

// Documents the limit on a route: the 429 answer, and the headers on every answer.
function documentLimit(route: RouteOptions): void {
  const schema = route.schema
  if (!schema || schema.hide) return
  const responses = { ...(schema.response as Record<string, Record<string, unknown>> | undefined) }
  for (const [status, response] of Object.entries(responses)) {
    if (!status.startsWith('2') || response.content) continue
    responses[status] = { ...response, headers: { ...(response.headers as object), ...HEADERS } }
  }
  const tooMany = problemResponses(429)[429] as Record<string, unknown>
  responses[429] = {
    ...tooMany,
    headers: { 'retry-after': { type: 'integer', description: 'Seconds to wait' }, ...HEADERS },
  }
  schema.response = responses
}

async function rateLimitPlugin(app: FastifyInstance, options: { limits: RateLimits }) {
  const { limits } = options
  if (!limits.enabled) return

  app.addHook('onRoute', (route) => {
    if (exempt(route.url)) {
      route.config = { ...route.config, rateLimit: false }
      return
    }
    documentLimit(route)
  })

  // Callback style: every request passes here, and a promise chain of our own per request is measurable.
  app.addHook('onRequest', (request, reply, done) => {
    const config = request.routeOptions.config.rateLimit
    if (config === false) return done()
    const cost = typeof config?.cost === 'function' ? config.cost(request) : config?.cost
    let ip: string
    try {
      ip = clientAddress(request)
    } catch (error) {
      return done(error as Error)
    }
    limits.charge({ actor: request.actor, ip }, cost, config?.policy).then((decision) => {
      if (!decision) return done()
      setRateLimitHeaders(reply, decision)
      done(decision.allowed ? undefined : new RateLimitedError(decision))
    }, done)
  })
}

/**
 * The client's address. Once the client has hung up (while an earlier hook waited on the database, say) the
 * socket no longer has one, and there is no one to answer: the request stops there, before anything runs.
 */
export function clientAddress(request: FastifyRequest): string {
  const ip = request.ip as string | undefined
  if (ip === undefined) {
    throw Object.assign(new Error('The client closed the connection.'), { statusCode: 499 })
  }
  return ip
}

/** `RateLimit-Policy` and `RateLimit` for a decision (and `Retry-After` when it refused). */
export function setRateLimitHeaders(reply: FastifyReply, decision: RateDecision): void {
  const { policy } = decision
  // While refused, the time that matters is when the next request is allowed.
  const seconds = Math.ceil((decision.allowed ? decision.resetMs : decision.retryAfterMs) / 1000)
  reply.header('ratelimit-policy', `"${policy.name}";q=${policy.limit};w=${policy.windowMs / 1000}`)
  reply.header('ratelimit', `"${policy.name}";r=${decision.remaining};t=${seconds}`)
  if (!decision.allowed) reply.header('retry-after', String(Math.max(1, seconds)))
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['auth'] })
