// Security headers and CORS, on by default.
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

async function securityPlugin(app: FastifyInstance, options: { corsOrigins: string }) {
  await app.register(helmet, {
    // The API answers JSON; the docs page loads only its own scripts and styles.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
      },
    },
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
