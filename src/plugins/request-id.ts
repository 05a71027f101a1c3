// The request id on every response (and in every problem body and log line, which Fastify's own id gives).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

async function requestIdPlugin(app: FastifyInstance) {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
}

export default fp(requestIdPlugin, { name: 'request-id' })
