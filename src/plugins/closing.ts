// While the server shuts down, a request that still arrives (pipelined, or on a keep-alive connection that
// was busy) is answered with a 503 problem, `Retry-After` and `Connection: close`, before anything runs, so
// the client retries on another instance. Fastify's own answer there is not problem+json.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sendProblem } from './errors.ts'

async function closingPlugin(app: FastifyInstance) {
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  // A plain function, not an async one: this runs on every request, and a promise per request is measurable.
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done()
    reply.header('connection', 'close').header('retry-after', '1')
    sendProblem(request, reply, 503, 'The server is shutting down. Retry, on another instance.')
  })
}

export default fp(closingPlugin, { name: 'closing', dependencies: ['errors'] })
