// Security headers and CORS, on by default. HSTS and upgrade-insecure-requests are sent only when PUBLIC_URL
// says the service is served over https: over plain http (a LAN address, a container) they would send browsers
// to an https that is not there, and every asset of /docs and /graphiql would fail.
//
// JSON answers carry the headers OWASP's REST Security Cheat Sheet lists; the HTML pages get helmet's whole
// set. None of them varies by request, so helmet runs once at start-up and each response only copies them:
// running helmet's middleware per request cost more than a route that does nothing (npm run bench:profile).
import type { IncomingMessage, ServerResponse } from 'node:http'
import cors from '@fastify/cors'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

export interface SecurityOptions {
  corsOrigins: string
  /** PUBLIC_URL; empty when the origin is taken from each request. */
  publicUrl: string
}

type Headers = readonly (readonly [string, string])[]

// JSON, scripts, styles: nothing loads in such a response or frames it (OWASP's advice for APIs).
const API_POLICY = "default-src 'none'; frame-ancestors 'none'"

// The HTML pages and their assets (/docs/json and /docs/yaml too: their policy goes by content type below).
const PAGES = /^\/(docs|graphiql)(\/|$)/

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

/** The headers helmet sets with these options. */
function helmetHeaders(options: HelmetOptions): Headers {
  const headers: [string, string][] = []
  const response = {
    setHeader: (name: string, value: string) => headers.push([name.toLowerCase(), value]),
    removeHeader: () => {},
  }
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {})
  return headers
}

/** What OWASP lists for API responses; HSTS as helmet sends it, when the pages get it. */
function apiHeaders(pages: Headers): Headers {
  return [
    ['content-security-policy', API_POLICY],
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    ['referrer-policy', 'no-referrer'],
    ['cross-origin-resource-policy', 'same-origin'],
    ...pages.filter(([name]) => name === 'strict-transport-security'),
  ]
}

function setAll(reply: FastifyReply, headers: Headers): void {
  for (const [name, value] of headers) reply.header(name, value)
}

async function securityPlugin(app: FastifyInstance, options: SecurityOptions) {
  const https = options.publicUrl.startsWith('https://')
  // Browsers honour these over https only; over http they ignore COOP with a console error.
  const pages = helmetHeaders({
    contentSecurityPolicy: false,
    ...(https ? {} : { strictTransportSecurity: false, crossOriginOpenerPolicy: false }),
  })
  const api = apiHeaders(pages)

  // Every response starts with the API's headers, 404s and errors included.
  app.addHook('onRequest', (_request, reply, done) => {
    setAll(reply, api)
    done()
  })

  // A page gets helmet's set, and leaves with the page policy. A route hook runs after every plugin's own
  // hooks, so this one has the last word: swagger-ui sets a policy of its own, with upgrade-insecure-requests.
  const page = pagePolicy(https)
  const pageHeaders = (_request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    setAll(reply, pages)
    done()
  }
  const setPolicy = (
    _request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    done: (error: null, payload: unknown) => void,
  ) => {
    const type = reply.getHeader('content-type')
    reply.header('content-security-policy', String(type).startsWith('text/html') ? page : API_POLICY)
    done(null, payload)
  }
  app.addHook('onRoute', (route) => {
    if (!PAGES.test(route.url)) return
    route.onRequest = [...[route.onRequest ?? []].flat(), pageHeaders]
    route.onSend = [...[route.onSend ?? []].flat(), setPolicy]
  })

  const origins = options.corsOrigins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
  // No origin granted: @fastify/cors would add nothing to any answer, yet its hook costs about 1 µs on every
  // request (two reads of the route's options and a copy of its own); a preflight is a 404 either way.
  if (origins.length === 0) return
  await app.register(cors, {
    origin: origins.includes('*') ? '*' : origins,
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
