// Shutdown without resets. On close the server stops accepting at once (a new connection is refused), and
// a keep-alive connection is not cut while its client may be sending on it: its next request is answered
// with a 503 problem, `Retry-After` and `Connection: close`, before anything runs, so the client retries on
// another instance. Connections still idle after IDLE_GRACE_MS are closed by Fastify (`forceCloseConnections:
// 'idle'`). Fastify's own answer while closing is not problem+json.
import { Server, type Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sendProblem } from './errors.ts'

// Long enough for a busy client's next request to arrive, short beside SHUTDOWN_TIMEOUT.
const IDLE_GRACE_MS = 1000

/** Refuses new connections from now on; net's close keeps the open ones, http's would cut the idle ones. */
export function stopAccepting(server: Server): void {
  if (server.listening) Server.prototype.close.call(server)
}

async function closingPlugin(app: FastifyInstance) {
  let closing = false
  // HTTP connections only: upgraded ones (WebSocket) are closed with 1001 by their own plugin.
  const connections = new Set<Socket>()
  let drained: (() => void) | undefined
  app.server.on('connection', (socket: Socket) => {
    connections.add(socket)
    socket.once('close', () => {
      connections.delete(socket)
      if (connections.size === 0) drained?.()
    })
  })
  app.server.on('upgrade', (_req, socket: Socket) => connections.delete(socket))

  app.addHook('preClose', async () => {
    closing = true
    stopAccepting(app.server)
    if (connections.size === 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, IDLE_GRACE_MS)
      drained = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  // A plain function, not an async one: this runs on every request, and a promise per request is measurable.
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done()
    reply.header('connection', 'close').header('retry-after', '1')
    sendProblem(request, reply, 503, 'The server is shutting down. Retry, on another instance.')
  })
}

export default fp(closingPlugin, { name: 'closing', dependencies: ['errors'] })
