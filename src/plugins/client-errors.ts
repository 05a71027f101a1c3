// Problem answers for requests refused before routing, which never reach the error handler: bytes Node's
// HTTP parser refuses (431, 400, 408: Fastify's `clientErrorHandler`, on the raw socket) and a URL that
// does not decode (400: Fastify's `frameworkErrors`). Each gets a request id, in its body and in the log.
import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sendProblem } from './errors.ts'
import { maxHeaderSize, STATUS_CODES } from './node-http.ts'
import { PROBLEM_CONTENT_TYPE, type ProblemBody, problemType } from './problem.ts'

/** How long a refused connection may go on sending before it is closed. */
const LINGER_MS = 2000

/** What Node's HTTP parser reports (llhttp's code and reason). */
interface ParserError extends Error {
  code?: string
  reason?: string
}

function describe(error: ParserError): [status: number, detail: string] {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, `The request line and headers together exceed ${maxHeaderSize} bytes.`]
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'The request was not received in time.']
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'The chunk extensions of the body are larger than the server accepts.']
    case 'HPE_INVALID_METHOD':
      return [400, 'The request method is not one this server knows.']
    default:
      // llhttp's reasons name the fault and never quote the request ("Duplicate Content-Length").
      return [400, `The request is not valid HTTP/1.1${error.reason ? `: ${error.reason}` : ''}.`]
  }
}

/** A complete HTTP/1.1 response carrying a problem document, closing the connection. */
export function rawProblem(status: number, detail: string, requestId: string): string {
  const title = STATUS_CODES[status] ?? 'Error'
  const body: ProblemBody = { type: problemType(status), title, status, detail, request_id: requestId }
  const json = JSON.stringify(body)
  return [
    `HTTP/1.1 ${status} ${title}`,
    `content-type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
    `content-length: ${Buffer.byteLength(json)}`,
    `x-request-id: ${requestId}`,
    'connection: close',
    '',
    json,
  ].join('\r\n')
}

// Connections answered already: the parser reports every further chunk of a connection it gave up on.
const answered = new WeakSet<Socket>()

/** Fastify's `clientErrorHandler`: Node's parser gave up on a connection, before there was a request. */
export function clientErrorHandler(this: FastifyInstance, error: ParserError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return
  answered.add(socket)
  const [status, detail] = describe(error)
  const requestId = randomUUID()
  this.log.info({ reqId: requestId, status, code: error.code }, 'request refused before routing')
  const answer = () => {
    if (socket.destroyed) return
    socket.end(rawProblem(status, detail, requestId))
    // Closing with unread bytes would reset the connection and lose the answer: read and drop what the
    // client still sends (an 80 KB header arrives in pieces) until it is done, for a bounded time.
    socket.resume()
    const timer = setTimeout(() => socket.destroy(), LINGER_MS)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
  }
  // HTTP/1.1 answers in order: the response to an earlier request on this connection goes first.
  const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage
  if (inFlight && !inFlight.writableFinished) inFlight.once('finish', answer)
  else answer()
}

const FRAMEWORK_DETAILS: Record<string, string> = {
  FST_ERR_BAD_URL: 'The path is not a valid URL: a percent-escape in it does not decode to UTF-8 text.',
  FST_ERR_MAX_PARAM_LENGTH: 'A segment of the path is longer than the server accepts.',
}

/** Fastify's `frameworkErrors`: the router refused the URL before a route was chosen. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 500
  // No hook runs for these requests: the request id header and the log line are ours to add.
  reply.header('x-request-id', request.id)
  request.log.info({ url: request.url, status, code: error.code }, 'request refused before routing')
  if (status >= 500) request.log.error({ err: error }, 'router error')
  const detail = FRAMEWORK_DETAILS[error.code] ?? 'The request could not be routed.'
  sendProblem(request, reply, status, detail)
}
