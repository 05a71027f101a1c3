// The HTTP request metrics: one synchronous onRequest hook per request, registered before every other
// request hook so that the requests they refuse are counted too. It finds the route's series and listens for
// the answer's `close`, which also comes when the client goes away before an answer (onResponse does not),
// so the in-flight gauge cannot drift. Registered only when METRICS_TOKEN turns GET /metrics on.
import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Metrics, RouteSeries } from '../adapters/metrics/prometheus.ts'

const SERIES = Symbol('trestle.metrics.series')
const STARTED = Symbol('trestle.metrics.started')

type Tracked = ServerResponse & { [SERIES]: RouteSeries; [STARTED]: number }

async function httpMetrics(app: FastifyInstance, { metrics }: { metrics: Metrics }) {
  // Answered or abandoned: no longer in flight. Only an answer has a status to be filed under.
  function closed(this: Tracked) {
    metrics.inFlight--
    if (this.writableEnded) this[SERIES].observe(this.statusCode, (performance.now() - this[STARTED]) / 1000)
  }

  app.addHook('onRequest', (request, reply, done) => {
    metrics.inFlight++
    const raw = reply.raw as Tracked
    raw[SERIES] = metrics.httpRoute(request.routeOptions.url, request.method)
    raw[STARTED] = performance.now()
    raw.on('close', closed)
    done()
  })
}

export default fp(httpMetrics, { name: 'http-metrics' })
