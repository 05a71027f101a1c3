// One log line per request (Fastify's default is two). Request logging is a measurable share of a request's
// cost, so the line stays small.

import { type FastifyReply, type FastifyRequest, LogController } from 'fastify'
import type { Logger } from 'pino'

export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    // At LOG_LEVEL=warn a successful request writes nothing: build nothing either.
    if (!error && !(reply.log as Partial<Pick<Logger, 'isLevelEnabled'>>).isLevelEnabled?.('info')) return
    const line = {
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      user: request.actor?.id,
    }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else reply.log.info(line, 'request completed')
  }
}
