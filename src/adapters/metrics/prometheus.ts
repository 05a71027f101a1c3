// The metrics of one app instance, in a registry of its own (tests build many apps in one process), read by
// GET /metrics. Implements the domain's Telemetry port; the HTTP, GraphQL and WebSocket plugins record
// through the methods below. Every label takes values from a fixed set or from route patterns, never from ids.
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import type { DomainEvent } from '../../domain/events.ts'
import type { LockScope, LoginOutcome, Telemetry } from '../../domain/telemetry.ts'
import { type CounterSeries, type HistogramSeries, SeriesCounter, SeriesHistogram } from './series.ts'

/** What the gauges read when scraped: the pool and Redis as they are now. */
export interface MetricSources {
  databaseKind: 'sqlite' | 'postgres'
  pool?: () => { total: number; idle: number; waiting: number; max: number }
  redis?: () => string
}

// Seconds: from a cached read (~0.1 ms) to the request timeout.
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const COST_BUCKETS = [1, 10, 50, 100, 500, 1000, 5000, 10_000]
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/** One route and method's request durations, a series per status found once. */
export class RouteSeries {
  readonly #byStatus = new Map<number, HistogramSeries>()
  readonly #family: SeriesHistogram<'route' | 'method' | 'status'>
  readonly #route: string
  readonly #method: string

  constructor(family: SeriesHistogram<'route' | 'method' | 'status'>, route: string, method: string) {
    this.#family = family
    this.#route = route
    this.#method = method
  }

  observe(status: number, seconds: number): void {
    let series = this.#byStatus.get(status)
    if (!series) {
      series = this.#family.series(this.#route, this.#method, String(status))
      this.#byStatus.set(status, series)
    }
    series.observe(seconds)
  }
}

/** The route label of a request that matched no route: one label, whatever the URL. */
export const UNMATCHED_ROUTE = 'unmatched'

export class Metrics implements Telemetry {
  readonly registry = new Registry()
  /** Requests received and not yet answered or abandoned. */
  inFlight = 0

  readonly #http = new SeriesHistogram({
    name: 'trestle_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  })
  // route -> method -> its series by status: the request path allocates nothing once a combination was seen.
  readonly #routes = new Map<string, Map<string, RouteSeries>>()
  readonly #shed = new SeriesCounter({
    name: 'trestle_http_requests_shed_total',
    help: 'Requests refused with 503 because the process was overloaded, by the bound that was passed.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })
  readonly #rateLimit = new SeriesCounter({
    name: 'trestle_rate_limit_decisions_total',
    help: 'Rate-limit charges (REST requests, GraphQL operations, WebSocket messages) by policy and outcome.',
    labelNames: ['policy', 'outcome'] as const,
    registers: [this.registry],
  })
  readonly #login = new SeriesCounter({
    name: 'trestle_login_attempts_total',
    help: 'Password sign-ins at POST /token: succeeded, failed, or throttled (refused untried during a lock).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  })
  readonly #locks = new SeriesCounter({
    name: 'trestle_login_locks_total',
    help: 'Sign-in locks set by failures, by scope (account-ip, account, ip).',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  })
  readonly #graphql = new SeriesCounter({
    name: 'trestle_graphql_operations_total',
    help: 'GraphQL operations executed, by operation type and outcome (error: the result has errors).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  })
  readonly #graphqlCost = new SeriesHistogram({
    name: 'trestle_graphql_operation_cost',
    help: 'Cost (nodes an operation may return) of each executed GraphQL query or mutation.',
    labelNames: ['operation'] as const,
    buckets: COST_BUCKETS,
    registers: [this.registry],
  })
  readonly #wsOpen = new Map<string, number>()
  readonly #wsMessages = new SeriesCounter({
    name: 'trestle_websocket_messages_total',
    help: 'WebSocket messages by endpoint (/ws, /graphql) and direction (in: from clients, out: to them).',
    labelNames: ['endpoint', 'direction'] as const,
    registers: [this.registry],
  })
  readonly #published = new SeriesCounter({
    name: 'trestle_events_published_total',
    help: 'Domain events published by this instance, by type and outcome (dropped: the bus could not carry it).',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  })
  readonly #lag = new SeriesHistogram({
    name: 'trestle_event_delivery_lag_seconds',
    help: 'From an event happening to its delivery to this instance’s listeners; _count counts deliveries.',
    labelNames: ['type'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  })
  readonly #queryDurations = new SeriesHistogram({
    name: 'trestle_db_query_duration_seconds',
    help: 'Database statements by database kind and outcome.',
    labelNames: ['database', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  })
  #queries: Record<'ok' | 'error', HistogramSeries> | undefined

  constructor() {
    collectDefaultMetrics({ register: this.registry })
    const metrics = this
    new Gauge({
      name: 'trestle_http_requests_in_flight',
      help: 'HTTP requests received and not yet answered.',
      registers: [this.registry],
      collect() {
        this.set(metrics.inFlight)
      },
    })
    new Gauge({
      name: 'trestle_websocket_connections',
      help: 'Open WebSocket connections by endpoint (/ws, /graphql).',
      labelNames: ['endpoint'] as const,
      registers: [this.registry],
      collect() {
        for (const [endpoint, open] of metrics.#wsOpen) this.set({ endpoint }, open)
      },
    })
  }

  /** Reports the database and Redis once they are open. */
  watch(sources: MetricSources): void {
    this.#queries = {
      ok: this.#queryDurations.series(sources.databaseKind, 'ok'),
      error: this.#queryDurations.series(sources.databaseKind, 'error'),
    }
    const { pool, redis } = sources
    // SQLite has one connection and no pool: only PostgreSQL reports one.
    if (pool) {
      new Gauge({
        name: 'trestle_db_pool_connections',
        help: 'PostgreSQL pool connections by state (idle, busy) and the pool size (max).',
        labelNames: ['state'] as const,
        registers: [this.registry],
        collect() {
          const now = pool()
          this.set({ state: 'idle' }, now.idle)
          this.set({ state: 'busy' }, now.total - now.idle)
          this.set({ state: 'max' }, now.max)
        },
      })
      new Gauge({
        name: 'trestle_db_pool_waiting',
        help: 'Queries waiting for a PostgreSQL pool connection.',
        registers: [this.registry],
        collect() {
          this.set(pool().waiting)
        },
      })
    }
    if (redis) {
      new Gauge({
        name: 'trestle_redis_up',
        help: 'Whether the shared Redis connection is ready (1) or not (0: connecting, reconnecting or closed).',
        registers: [this.registry],
        collect() {
          this.set(redis() === 'ready' ? 1 : 0)
        },
      })
    }
  }

  /** The request durations of a route pattern (undefined: no route matched) and method, by status. */
  httpRoute(route: string | undefined, method: string): RouteSeries {
    const pattern = route ?? UNMATCHED_ROUTE
    let byMethod = this.#routes.get(pattern)
    if (!byMethod) {
      byMethod = new Map()
      this.#routes.set(pattern, byMethod)
    }
    let series = byMethod.get(method)
    if (!series) {
      series = new RouteSeries(this.#http, pattern, KNOWN_METHODS.has(method) ? method : 'other')
      byMethod.set(method, series)
    }
    return series
  }

  requestShed(reason: string): void {
    this.#shed.series(reason).value++
  }

  graphqlOperation(operation: string, outcome: 'ok' | 'error'): void {
    this.#graphql.series(operation, outcome).value++
  }

  graphqlCost(operation: string, cost: number): void {
    this.#graphqlCost.series(operation).observe(cost)
  }

  /** A WebSocket connection opened on `endpoint`; returns the counters of its messages and its close. */
  websocketOpened(endpoint: string): { in: CounterSeries; out: CounterSeries; closed(): void } {
    this.#wsOpen.set(endpoint, (this.#wsOpen.get(endpoint) ?? 0) + 1)
    return {
      in: this.#wsMessages.series(endpoint, 'in'),
      out: this.#wsMessages.series(endpoint, 'out'),
      closed: () => this.#wsOpen.set(endpoint, (this.#wsOpen.get(endpoint) ?? 1) - 1),
    }
  }

  // Charged on every request: the series are kept per policy rather than looked up by their labels.
  readonly #rateSeries = new Map<string, { allowed: CounterSeries; refused: CounterSeries }>()
  rateLimitDecision(policy: string, allowed: boolean): void {
    let series = this.#rateSeries.get(policy)
    if (!series) {
      series = {
        allowed: this.#rateLimit.series(policy, 'allowed'),
        refused: this.#rateLimit.series(policy, 'refused'),
      }
      this.#rateSeries.set(policy, series)
    }
    series[allowed ? 'allowed' : 'refused'].value++
  }

  loginAttempt(outcome: LoginOutcome): void {
    this.#login.series(outcome).value++
  }

  loginLocked(scope: LockScope): void {
    this.#locks.series(scope).value++
  }

  eventPublished(type: DomainEvent['type'], outcome: 'sent' | 'dropped'): void {
    this.#published.series(type, outcome).value++
  }

  readonly #lagSeries = new Map<string, HistogramSeries>()
  eventDelivered(type: DomainEvent['type'], lagMs: number): void {
    let series = this.#lagSeries.get(type)
    if (!series) {
      series = this.#lag.series(type)
      this.#lagSeries.set(type, series)
    }
    series.observe(Math.max(0, lagMs) / 1000)
  }

  queryFinished(ms: number, failed: boolean): void {
    this.#queries?.[failed ? 'error' : 'ok'].observe(ms / 1000)
  }
}
