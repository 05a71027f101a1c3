// GET /metrics: this instance's metrics in the Prometheus text format, for operators holding METRICS_TOKEN.
// Registered after the plugins that exempt operational routes (bearer handling, rate limits, load shedding),
// and only when METRICS_TOKEN is set: otherwise the route does not exist (404).
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Metrics } from '../adapters/metrics/prometheus.ts'
import { challenge } from './auth.ts'
import { sendProblem } from './errors.ts'

const digest = (text: string) => createHash('sha256').update(text).digest()

async function metricsRoute(app: FastifyInstance, { metrics, token }: { metrics: Metrics; token: string }) {
  // Both sides hashed to one length, so the comparison takes the same time whatever was sent.
  const expected = digest(token)
  const authorised = (request: FastifyRequest) => {
    const given = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    return given !== undefined && timingSafeEqual(digest(given), expected)
  }

  app.get('/metrics', { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store')
    if (!authorised(request)) {
      const sent = request.headers.authorization !== undefined
      reply.header('www-authenticate', challenge(sent ? { error: 'invalid_token' } : {}))
      return sendProblem(request, reply, 401, 'GET /metrics needs the METRICS_TOKEN bearer token.')
    }
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })
}

export default fp(metricsRoute, { name: 'metrics-route', dependencies: ['errors', 'auth', 'rate-limit'] })
