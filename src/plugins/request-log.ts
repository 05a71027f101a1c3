// One log line per request (Fastify's default is two). Request logging is a measurable share of a request's
// cost, so the line stays small, and is written cheaply: through one logger for the whole app, with the
// request id as a field, rather than a per-request child, and without the redaction pass. The line's fields
// are fixed and none of them is a redacted path; an error's line goes through the redacting logger.

import { type FastifyReply, type FastifyRequest, LogController } from 'fastify'
import type { Logger } from 'pino'

export class RequestLog extends LogController {
  // The app's logger without redaction; made on the first line, as the logger does not exist before the app.
  #lines: Logger | undefined

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
    if (error) {
      reply.log.error({ ...line, err: error }, 'request errored')
      return
    }
    this.#lines ??= (request.server.log as Logger).child({}, { redact: [] })
    this.#lines.info({ reqId: request.id, ...line }, 'request completed')
  }
}
