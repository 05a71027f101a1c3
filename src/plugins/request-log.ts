// One log line per request (Fastify's default is two). Request logging is a measurable share of a request's
// cost, so the line stays small and is written cheaply: its fields are fixed, so it is built as the JSON
// pino would write (the same start, from pino's own level, time and bindings; the same fields in the same
// order) without pino's walk over an object, the per-request child or the redaction pass (no field is a
// redacted path). An error's line goes through the per-request logger, redacted.

import { type FastifyReply, type FastifyRequest, LogController } from 'fastify'
import pino, { type Logger } from 'pino'

const { lsCacheSym, timeSym, chindingsSym, streamSym } = pino.symbols

const INFO = pino.levels.values.info as number

export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    // At LOG_LEVEL=warn a successful request writes nothing: build nothing either.
    if (!error && !(reply.log as Partial<Pick<Logger, 'isLevelEnabled'>>).isLevelEnabled?.('info')) return
    const ms = Math.round(reply.elapsedTime * 10) / 10
    const user = request.actor?.id
    if (error) {
      const line = { method: request.method, url: request.url, status: reply.statusCode, ms, user }
      reply.log.error({ ...line, err: error }, 'request errored')
      return
    }
    const log = request.server.log as unknown as Record<symbol, unknown>
    const start = (log[lsCacheSym] as Record<number, string>)[INFO]
    const time = (log[timeSym] as () => string).call(log)
    const stream = log[streamSym] as { write(text: string): unknown }
    stream.write(
      `${start}${time}${log[chindingsSym] as string},"reqId":${JSON.stringify(request.id)},` +
        `"method":${JSON.stringify(request.method)},"url":${JSON.stringify(request.url)},` +
        `"status":${reply.statusCode},"ms":${ms}${user === undefined ? '' : `,"user":${JSON.stringify(user)}`},` +
        `"msg":"request completed"}\n`,
    )
  }
}
