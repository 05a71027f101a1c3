// Builds the application for a server process or a test: settings in, a ready Fastify instance out.
import { randomUUID } from 'node:crypto'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import pkg from '../package.json' with { type: 'json' }
import { trustedProxies } from './config.ts'
import { type Container, createContainer } from './container.ts'
import auth, { rejectInvalidToken } from './plugins/auth.ts'
import { clientErrorHandler, frameworkErrors } from './plugins/client-errors.ts'
import closing from './plugins/closing.ts'
import docs from './plugins/docs.ts'
import errors from './plugins/errors.ts'
import loadShedding, { withLoad } from './plugins/load-shedding.ts'
import { stdoutLogStream } from './plugins/log-stream.ts'
import httpMetrics from './plugins/metrics.ts'
import metricsRoute from './plugins/metrics-route.ts'
import rateLimit from './plugins/rate-limit.ts'
import requestId from './plugins/request-id.ts'
import { RequestLog } from './plugins/request-log.ts'
import { requestLogger } from './plugins/request-logger.ts'
import security from './plugins/security.ts'
import { sharedSerializers } from './plugins/serializers.ts'
import transportMetrics from './plugins/transport-metrics.ts'
import { installValidators, parseQueryString } from './plugins/validation.ts'
import type { Settings } from './settings.ts'
import graphql from './transports/graphql/plugin.ts'
import { restRoutes } from './transports/rest/index.ts'
import ws from './transports/ws/plugin.ts'

export interface AppOptions {
  /** Pino options, or false for no logs (tests). */
  logger?: FastifyServerOptions['logger']
  /** Prebuilt adapters and services; by default created from the settings and closed with the app. */
  container?: Container
}

const REQUEST_ID = /^[\w.:-]{1,64}$/

export function loggerOptions(settings: Settings): FastifyServerOptions['logger'] {
  return {
    level: settings.LOG_LEVEL,
    stream: stdoutLogStream(),
    // Never log a credential, whatever a future log line includes.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'password',
        'current_password',
        '*.password',
      ],
      censor: '[redacted]',
    },
  }
}

export async function buildApp(settings: Settings, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(settings),
    logController: new RequestLog(),
    childLoggerFactory: requestLogger,
    // Honour a caller's request id (from a proxy) when it is sane; otherwise make one.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    bodyLimit: settings.BODY_LIMIT,
    requestTimeout: settings.REQUEST_TIMEOUT,
    // A client has HEADERS_TIMEOUT to send its headers however slowly it trickles them (slowloris); Node
    // checks every second instead of every 30 s, so the bound holds within a second.
    http: {
      headersTimeout: settings.HEADERS_TIMEOUT,
      connectionsCheckingInterval: Math.min(1000, settings.HEADERS_TIMEOUT),
    },
    keepAliveTimeout: settings.KEEP_ALIVE_TIMEOUT,
    // A malformed percent-escape in the query is refused (src/plugins/validation.ts), not decoded to garbage.
    routerOptions: { ignoreTrailingSlash: true, querystringParser: parseQueryString },
    // Client addresses come from X-Forwarded-For only through the listed proxies, never by hop count.
    trustProxy: trustedProxies(settings).length > 0 ? trustedProxies(settings) : false,
    // On close: finish in-flight requests, drop idle keep-alive connections.
    forceCloseConnections: 'idle',
    // Requests that arrive while closing get a problem body from src/plugins/closing.ts instead.
    return503OnClosing: false,
    // Requests refused before routing (parser errors, 431, an undecodable URL) get problem bodies too.
    clientErrorHandler,
    frameworkErrors,
    schemaController: { compilersFactory: { buildSerializer: sharedSerializers } },
  }).withTypeProvider<TypeBoxTypeProvider>()
  // Connections past the cap are closed on arrival, before they cost memory or a file descriptor's worth.
  if (settings.MAX_CONNECTIONS > 0) app.server.maxConnections = settings.MAX_CONNECTIONS

  const container = options.container ?? (await createContainer(settings, { log: app.log }))
  if (!options.container) app.addHook('onClose', () => container.close())
  // Each transport and plugin is handed the services it uses, never the container.
  const { authenticator, rateLimits, users, items, rooms, rates, bus } = container

  installValidators(app)
  // JSON is the only body every route takes; /token adds forms for itself. Anything else is 415.
  app.removeContentTypeParser('text/plain')
  await app.register(errors)
  // Before every other request hook, so that the requests they refuse are counted too.
  if (settings.METRICS_TOKEN && container.metrics) {
    await app.register(httpMetrics, { metrics: container.metrics })
  }
  // First of the request hooks: a request refused by any later one (closing, a bad token, a limit) still
  // answers with its id.
  await app.register(requestId)
  // Next: an overloaded instance refuses at once, before signing in or charging anyone.
  await app.register(loadShedding, {
    maxEventLoopDelayMs: settings.SHED_EVENT_LOOP_DELAY,
    maxHeapRatio: settings.SHED_HEAP_RATIO,
    sampleIntervalMs: settings.SHED_SAMPLE_INTERVAL,
    retryAfterSeconds: settings.SHED_RETRY_AFTER,
    ...(container.metrics && { onShed: (reason: string) => container.metrics?.requestShed(reason) }),
  })
  await app.register(closing)
  await app.register(auth, { authenticator })
  await app.register(rateLimit, { limits: rateLimits })
  app.addHook('onRequest', rejectInvalidToken)
  await app.register(security, { corsOrigins: settings.CORS_ORIGINS, publicUrl: settings.PUBLIC_URL })
  await app.register(docs, { version: pkg.version })
  await app.register(restRoutes, {
    services: {
      users,
      items,
      rooms,
      rates,
      grants: container.grants,
      keys: container.keys,
      checks: withLoad(container.checks, app),
    },
    settings,
  })
  // Before GraphQL: its subscriptions then share the WebSocket server this sets up (limits, origin, 1001).
  await app.register(ws, {
    authenticator,
    rateLimits,
    rooms,
    users,
    presence: container.presence,
    bus,
    publicUrl: settings.PUBLIC_URL,
    corsOrigins: settings.CORS_ORIGINS,
    maxMessage: settings.WS_MAX_MESSAGE,
    maxBuffer: settings.WS_MAX_BUFFER,
    heartbeatSeconds: settings.WS_HEARTBEAT,
    authTimeoutSeconds: settings.WS_AUTH_TIMEOUT,
    accountCheckSeconds: settings.ACCOUNT_CACHE_TTL,
    maxPerUser: settings.WS_MAX_PER_USER,
    maxPerIp: settings.WS_MAX_PER_IP,
  })
  await app.register(graphql, {
    services: { users, items, rooms, rates, bus },
    rateLimits,
    authenticator,
    graphiql:
      settings.GRAPHIQL === 'auto' ? settings.NODE_ENV !== 'production' : settings.GRAPHIQL === 'true',
    introspection: settings.GRAPHQL_INTROSPECTION,
    batching: settings.GRAPHQL_BATCHING,
    maxDocumentBytes: settings.GRAPHQL_MAX_DOCUMENT,
    limits: {
      maxDepth: settings.GRAPHQL_MAX_DEPTH,
      maxAliases: settings.GRAPHQL_MAX_ALIASES,
      maxCost: settings.GRAPHQL_MAX_COST,
      maxPage: 100,
    },
  })
  if (settings.METRICS_TOKEN && container.metrics) {
    await app.register(transportMetrics, { metrics: container.metrics })
    await app.register(metricsRoute, { metrics: container.metrics, token: settings.METRICS_TOKEN })
  }
  await app.ready()
  return app
}
