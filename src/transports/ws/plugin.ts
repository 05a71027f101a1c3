// The WebSocket transport at /ws (over @fastify/websocket, which GraphQL subscriptions share): sign-in,
// topics, rooms and resume over the same services, rules and limits as REST and GraphQL. It also owns what
// every WebSocket connection needs: the frame size limit, the Origin check against cross-site hijacking, and
// close code 1001 for every socket when the server shuts down.
import websocket from '@fastify/websocket'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { InvalidTokenError } from '../../auth/tokens.ts'
import { sendProblem } from '../../plugins/errors.ts'
import { clientAddress } from '../../plugins/rate-limit.ts'
import asyncApi from './asyncapi.ts'
import { Hub } from './hub.ts'
import { CLOSE } from './protocol.ts'
import { Session, type WsServices } from './session.ts'

export interface WsOptions extends WsServices {
  /** The origin clients use, for the AsyncAPI document; empty: each request's host. */
  publicUrl: string
  corsOrigins: string
  maxMessage: number
  maxBuffer: number
  heartbeatSeconds: number
  authTimeoutSeconds: number
  accountCheckSeconds: number
  maxPerUser: number
  maxPerIp: number
}

// Sub-protocols the server speaks: GraphQL's two, and `bearer` (the token follows it, never echoed).
const PROTOCOLS = ['graphql-transport-ws', 'graphql-ws', 'bearer']

/** `Sec-WebSocket-Protocol: bearer, <token>`: the browser-friendly way to send a token. */
function protocolToken(request: FastifyRequest): string | undefined {
  const offered = String(request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
  const at = offered.indexOf('bearer')
  return at >= 0 ? offered[at + 1] : undefined
}

function headerToken(request: FastifyRequest): string | undefined {
  return /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
}

// Same-origin pages and clients that send no Origin (not browsers) may connect; other sites only when listed.
function originAllowed(request: FastifyRequest, allowed: string[]): boolean {
  const origin = request.headers.origin
  if (!origin || allowed.includes('*') || allowed.includes(origin)) return true
  try {
    return new URL(origin).host === request.headers.host
  } catch {
    return false
  }
}

function tally(counts: Map<string, number>, key: string, by: number): number {
  const n = (counts.get(key) ?? 0) + by
  if (n > 0) counts.set(key, n)
  else counts.delete(key)
  return n
}

async function wsPlugin(app: FastifyInstance, options: WsOptions) {
  const sessions = new Set<Session>()
  const perUser = new Map<string, number>()
  const perIp = new Map<string, number>()
  const allowedOrigins = options.corsOrigins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)

  await app.register(websocket, {
    options: {
      maxPayload: options.maxMessage,
      handleProtocols: (offered: Set<string>) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
    },
    // Every socket (GraphQL's too) is told the server is going away, so that its client reconnects elsewhere.
    // Waits (a second at most) for the closing handshakes, so that the code reaches the clients.
    preClose(this: FastifyInstance, done: () => void) {
      const clients = [...this.websocketServer.clients]
      const closed = clients.map((client) => new Promise((resolve) => client.once('close', resolve)))
      for (const client of clients) client.close(CLOSE.goingAway, 'Server shutting down')
      const timer = setTimeout(() => {
        for (const client of clients) client.terminate()
      }, 1000)
      void Promise.all(closed).then(() => {
        clearTimeout(timer)
        this.websocketServer.close()
        done()
      })
    },
    errorHandler(error, socket, request) {
      request.log.warn({ err: error }, 'websocket error')
      socket.terminate()
    },
  })

  const hub = new Hub(options.bus)
  // A connection counts toward its user's cap from the moment it signs in, at the upgrade or by frame.
  const countedAs = new WeakMap<Session, string>()
  const admit = (session: Session, userId: string): boolean => {
    if (countedAs.has(session)) return true
    countedAs.set(session, userId)
    return tally(perUser, userId, 1) <= options.maxPerUser
  }
  const context = {
    ...options,
    hub,
    admit,
    authTimeoutMs: options.authTimeoutSeconds * 1000,
    presenceTtlMs: options.heartbeatSeconds * 3000,
    log: app.log,
  }

  // A WebSocket upgrade from a page of another site is refused before anything else runs.
  // Callback style: every request passes here, and nearly none is an upgrade.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.headers.upgrade?.toLowerCase() !== 'websocket') return done()
    if (originAllowed(request, allowedOrigins)) return done()
    sendProblem(request, reply, 403, `WebSocket connections from ${request.headers.origin} are not allowed.`)
  })

  // The token in Sec-WebSocket-Protocol is checked before the upgrade, so a bad one is a 401 problem.
  const protocolSignIn = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = protocolToken(request)
    if (!token) return
    try {
      request.actor = await options.authenticator.actorFor(token)
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error
      return sendProblem(request, reply, 401, 'The access token is invalid or has expired. Sign in again.')
    }
  }

  app.route({
    method: 'GET',
    url: '/ws',
    schema: { hide: true },
    preHandler: protocolSignIn,
    handler: (request, reply) =>
      sendProblem(
        request,
        reply,
        426,
        'This is a WebSocket endpoint: connect with a WebSocket client.',
      ).header('upgrade', 'websocket'),
    wsHandler: (socket, request) => {
      const ip = clientAddress(request)
      const session = new Session(
        socket,
        ip,
        context,
        request.actor,
        protocolToken(request) ?? headerToken(request),
      )
      const overIp = tally(perIp, ip, 1) > options.maxPerIp
      if (overIp || (request.actor && !admit(session, request.actor.id))) {
        session.close(CLOSE.policy, 'Too many connections')
      }
      sessions.add(session)
      socket.on('close', () => {
        sessions.delete(session)
        tally(perIp, ip, -1)
        const userId = countedAs.get(session)
        if (userId) tally(perUser, userId, -1)
      })
    },
  })

  // Heartbeat: ping every connection, close those that did not answer the last ping, keep their rooms'
  // presence alive, and announce who left with a crashed instance's connections.
  // Pings go out in slices, yielding between them, so that 10,000 of them do not hold up a broadcast.
  const heartbeat = setInterval(() => {
    void (async () => {
      const rooms = new Map<string, string[]>()
      let n = 0
      for (const session of [...sessions]) {
        session.ping()
        for (const room of session.rooms) {
          const ids = rooms.get(room)
          if (ids) ids.push(session.id)
          else rooms.set(room, [session.id])
        }
        if (++n % 256 === 0) await new Promise((resolve) => setImmediate(resolve))
      }
      for (const [room, ids] of rooms) await options.presence.refresh(room, ids, context.presenceTtlMs)
      for (const { room, member } of await options.presence.sweep()) {
        await options.bus.publish({
          type: 'presence',
          at: new Date().toISOString(),
          room,
          change: 'left',
          member,
        })
      }
    })().catch((error) => app.log.warn({ err: error }, 'websocket: heartbeat failed'))
  }, options.heartbeatSeconds * 1000)
  heartbeat.unref()

  // A disabled account's connections close within the account cache's TTL.
  // One session at a time, yielding now and then, and never two rounds at once: 10,000 checks started together
  // stalled the event loop for seconds (npm run bench:ws).
  let checking = false
  const accounts = setInterval(() => {
    if (checking) return
    checking = true
    void (async () => {
      let n = 0
      for (const session of [...sessions]) {
        await session.checkAccount()
        if (++n % 256 === 0) await new Promise((resolve) => setImmediate(resolve))
      }
    })()
      .catch((error) => app.log.warn({ err: error }, 'websocket: account check failed'))
      .finally(() => {
        checking = false
      })
  }, Math.max(1, options.accountCheckSeconds) * 1000)
  accounts.unref()

  app.addHook('onClose', async () => {
    clearInterval(heartbeat)
    clearInterval(accounts)
    hub.close()
  })

  await app.register(asyncApi, { publicUrl: options.publicUrl })
}

export default fp(wsPlugin, { name: 'ws', dependencies: ['auth', 'errors'] })
