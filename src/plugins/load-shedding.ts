// Load shedding (@fastify/under-pressure): while the event loop lags or the heap nears V8's limit past the
// configured bounds, a new request gets 503 problem+json with Retry-After at once, rather than queueing until
// every request times out. Operational routes still answer: liveness keeps the process from being restarted
// for being busy, readiness says "load: down" so the load balancer sends traffic elsewhere, and metrics show why.
import { getHeapStatistics } from 'node:v8'
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { problemBody } from './errors.ts'
import { isOperationalRoute } from './operational-routes.ts'
import { PROBLEM_CONTENT_TYPE } from './problem.ts'

export interface LoadSheddingOptions {
  /** Milliseconds of mean event-loop delay per sample; 0: not checked. */
  maxEventLoopDelayMs: number
  /** Share of V8's heap limit in use; 0: not checked. */
  maxHeapRatio: number
  sampleIntervalMs: number
  retryAfterSeconds: number
  /** Told of each shed request and the bound it passed (eventLoopDelay, heapUsedBytes). */
  onShed?: (reason: string) => void
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** under-pressure's per-route handler; operational routes answer whatever the load. */
    pressureHandler?: () => undefined
  }
}

type PressureHandler = (request: FastifyRequest, reply: FastifyReply, type: string) => unknown

const answer = () => undefined

async function loadShedding(app: FastifyInstance, options: LoadSheddingOptions) {
  app.addHook('onRoute', (route) => {
    // under-pressure lets a request through when its route's handler returns nothing.
    if (isOperationalRoute(route.url)) route.config = { ...route.config, pressureHandler: answer }
  })
  const retryAfter = String(options.retryAfterSeconds)
  // Returns the body, which under-pressure sends (its README: any value but a promise or nullish), and then
  // no later hook runs: a shed request is not authenticated nor charged to a rate limit. Its typings say void.
  const shed: PressureHandler = (request, reply, type) => {
    options.onShed?.(type)
    reply.code(503).type(PROBLEM_CONTENT_TYPE).header('retry-after', retryAfter)
    return problemBody(request, 503, 'The server is overloaded. Retry after the time in Retry-After.')
  }
  await app.register(underPressure, {
    sampleInterval: options.sampleIntervalMs,
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes: Math.floor(options.maxHeapRatio * getHeapStatistics().heap_size_limit),
    pressureHandler: shed as FastifyUnderPressureOptions['pressureHandler'],
  })
}

/** Readiness with the load: `load: down` while requests are being shed. */
export function withLoad<State extends Record<string, 'ok' | 'down'>>(
  checks: () => Promise<State>,
  app: FastifyInstance,
): () => Promise<State | (State & { load: 'down' })> {
  return async () => {
    const state = await checks()
    return app.isUnderPressure() ? { ...state, load: 'down' as const } : state
  }
}

export default fp(loadShedding, { name: 'load-shedding', dependencies: ['errors'] })
