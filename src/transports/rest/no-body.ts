import type { FastifyReply } from 'fastify'

/** Ends a response that has no body (204, 304): no payload, so no Content-Length or Content-Type either. */
export function noBody(reply: FastifyReply, status: 204 | 304): FastifyReply {
  return (reply as FastifyReply).code(status).send()
}
