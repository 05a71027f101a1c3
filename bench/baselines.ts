// The baselines `npm run bench` compares Trestle with, `node bench/baselines.ts <kind>` listening on PORT.
// raw: node:http answering hello. fastify: a hello with a response schema and a POST with
// body validation; `fastify <µs>`: its hello first spends that long on the CPU (`npm run bench:budget`).
// request-id: the hello with only what issue 12 §2 names for every response, from Trestle's own plugins: a
// UUID request id and its header, pino at warn with Trestle's request loggers (made only when a line is
// written) and its one line per request. floor: that and the security headers, which every Trestle response
// carries too.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import Fastify from 'fastify'
import requestId from '../src/plugins/request-id.ts'
import { RequestLog } from '../src/plugins/request-log.ts'
import { requestLogger } from '../src/plugins/request-logger.ts'
import security from '../src/plugins/security.ts'
import { keepTickShape } from '../src/tick-shape.ts'

// Each baseline keeps a tick object alive as Trestle does (src/tick-shape.ts): without it, Node's nextTick
// is slowed in most fresh processes (bare Fastify's hello 64-70k against 82-88k req/s, bench/RESULTS.md),
// and a baseline would be measured at its worst against Trestle at its best.
await keepTickShape()

// Exiting on SIGTERM rather than dying of it lets Node save the module cache named by NODE_COMPILE_CACHE,
// which bench/startup.ts gives the baseline so that it restarts as Trestle does.
process.once('SIGTERM', () => process.exit(0))
const port = Number(process.env.PORT ?? 3000)
const kind = process.argv[2]

if (kind === 'raw') {
  const body = JSON.stringify({ hello: 'world' })
  createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }).listen(port, '127.0.0.1')
} else if (kind === 'fastify') {
  const app = Fastify({ logger: false })
  const hello = { type: 'object', properties: { hello: { type: 'string' } } } as const
  const workMs = Number(process.argv[3] ?? 0) / 1000
  // A route's own work, as a busy wait on the clock: no allocation, nothing but the time it takes.
  const work = async () => {
    const end = performance.now() + workMs
    while (performance.now() < end);
    return { hello: 'world' }
  }
  app.get('/', { schema: { response: { 200: hello } } }, workMs > 0 ? work : async () => ({ hello: 'world' }))
  const item = {
    type: 'object',
    required: ['name', 'price'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      price: { type: 'number', minimum: 0 },
    },
  } as const
  app.post('/items', { schema: { body: item, response: { 200: item } } }, async (req) => req.body)
  await app.listen({ port, host: '127.0.0.1' })
} else if (kind === 'request-id' || kind === 'floor') {
  const app = Fastify({
    logger: { level: 'warn' },
    logController: new RequestLog(),
    childLoggerFactory: requestLogger,
    genReqId: () => randomUUID(),
  })
  await app.register(requestId)
  if (kind === 'floor') await app.register(security, { corsOrigins: '', publicUrl: '' })
  const hello = { type: 'object', properties: { hello: { type: 'string' } } } as const
  app.get('/', { schema: { response: { 200: hello } } }, async () => ({ hello: 'world' }))
  await app.listen({ port, host: '127.0.0.1' })
} else {
  throw new Error('usage: node bench/baselines.ts raw|fastify|request-id|floor')
}
