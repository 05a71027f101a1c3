// GraphQL and WebSocket metrics, recorded from outside the transports (mercurius hooks, the WebSocket
// server's connections), so the transports stay as they are. Registered after both, with /metrics on.
import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { type DocumentNode, type ExecutionResult, getOperationAST } from 'graphql'
import type { WebSocket } from 'ws'
import type { Metrics } from '../adapters/metrics/prometheus.ts'

// The endpoint label: the two WebSocket paths, anything else as one value.
function endpointOf(url: string | undefined): string {
  const path = (url ?? '').split('?')[0]?.replace(/\/$/, '')
  return path === '/ws' || path === '/graphql' ? path : 'other'
}

function operationOf(document: DocumentNode, context: unknown): string {
  const request = (context as { reply?: FastifyReply }).reply?.request
  const name =
    (request?.body as { operationName?: string } | undefined)?.operationName ??
    (request?.query as { operationName?: string } | undefined)?.operationName
  return getOperationAST(document, name)?.operation ?? 'unknown'
}

async function transportMetrics(app: FastifyInstance, { metrics }: { metrics: Metrics }) {
  // The GraphQL plugin's own preExecution hook runs first: an operation refused by its limits or the rate
  // limit does not get here (its HTTP answer is counted under route /graphql). It also leaves the cost.
  const operations = new WeakMap<object, string>()
  app.graphql.addHook('preExecution', async (_schema, document, context) => {
    const operation = operationOf(document, context)
    operations.set(context, operation)
    const cost = (context as { cost?: { complexity: number } }).cost
    if (cost) metrics.graphqlCost(operation, cost.complexity)
  })
  app.graphql.addHook('onResolution', async (execution: ExecutionResult, context) => {
    metrics.graphqlOperation(operations.get(context) ?? 'unknown', execution.errors?.length ? 'error' : 'ok')
  })
  app.graphql.addHook('preSubscriptionExecution', async () => {
    metrics.graphqlOperation('subscription', 'ok')
  })

  app.websocketServer.on('connection', (socket: WebSocket, request: { url?: string }) => {
    const counts = metrics.websocketOpened(endpointOf(request.url))
    socket.on('message', () => {
      counts.in.value++
    })
    socket.once('close', counts.closed)
    // ws has no event for a sent message, and /ws and GraphQL subscriptions both send through this method.
    const send = socket.send
    socket.send = function (this: WebSocket, data, options, callback) {
      counts.out.value++
      return send.call(this, data, options as never, callback)
    } as WebSocket['send']
  })
}

export default fp(transportMetrics, { name: 'transport-metrics', dependencies: ['graphql', 'ws'] })
