// Security headers and CORS, on by default. HSTS and upgrade-insecure-requests are sent only when PUBLIC_URL
// says the service is served over https: over plain http (a LAN address, a container) they would send browsers
// to an https that is not there, and every asset of /docs and /graphiql would fail.
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

export interface SecurityOptions {
  corsOrigins: string
  /** PUBLIC_URL; empty when the origin is taken from each request. */
  publicUrl: string
}

// JSON, scripts, styles: nothing loads in such a response or frames it (OWASP's advice for APIs).
const API_POLICY = "default-src 'none'; frame-ancestors 'none'"

/** The policy of the HTML pages (/docs, /graphiql): everything from this origin, nothing from anywhere else. */
function pagePolicy(https: boolean): string {
  const directives = [
    "default-src 'self'",
    "base-uri 'self'",
    "font-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    // Swagger UI adds style elements of its own.
    "style-src 'self' 'unsafe-inline'",
  ]
  if (https) directives.push('upgrade-insecure-requests')
  return directives.join('; ')
}

async function securityPlugin(app: FastifyInstance, options: SecurityOptions) {
  const https = options.publicUrl.startsWith('https://')
  await app.register(helmet, {
    contentSecurityPolicy: false,
    // Browsers honour these over https only; over http they ignore COOP with a console error.
    ...(https ? {} : { strictTransportSecurity: false, crossOriginOpenerPolicy: false }),
  })

  // Every response starts with the API's policy, 404s and errors included...
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('content-security-policy', API_POLICY)
  })
  // ...and a page leaves with the page policy. A route hook runs after every plugin's own hooks, so this one
  // has the last word: swagger-ui sets a policy of its own, with upgrade-insecure-requests.
  const page = pagePolicy(https)
  const setPolicy = async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const type = reply.getHeader('content-type')
    reply.header('content-security-policy', String(type).startsWith('text/html') ? page : API_POLICY)
    return payload
  }
  app.addHook('onRoute', (route) => {
    route.onSend = [...[route.onSend ?? []].flat(), setPolicy]
  })

  const origins = options.corsOrigins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
  await app.register(cors, {
    origin: origins.includes('*') ? '*' : origins.length > 0 ? origins : false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'if-match', 'if-none-match', 'x-request-id'],
    exposedHeaders: [
      'etag',
      'location',
      'link',
      'x-request-id',
      'www-authenticate',
      'retry-after',
      'ratelimit',
      'ratelimit-policy',
    ],
    maxAge: 600,
  })
}

export default fp(securityPlugin, { name: 'security' })
