// GET /metrics as an operator's scraper sees it: the token, the text format parsed, and families that move
// when the service is used, labelled by route patterns and never by ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, problem, signUpAndIn, type TestApp } from '../support/app.ts'
import { itemCalls, NO_SUCH_ID } from '../support/items.ts'
import { type Family, parsePrometheus, sampleValue } from '../support/prometheus.ts'
import { connectWs } from '../support/ws.ts'

const TOKEN = 'metrics-token-for-tests-0123456789'
let t: TestApp
const items = itemCalls(() => t)

async function scrape(): Promise<Map<string, Family>> {
  const res = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
  return parsePrometheus(res.body)
}

// Polls until the scrape satisfies `check`, for 5 s at most: events and closes arrive on later ticks.
async function eventually(check: (families: Map<string, Family>) => boolean): Promise<Map<string, Family>> {
  const deadline = Date.now() + 5000
  while (Date.now() < deadline) {
    const families = await scrape()
    if (check(families)) return families
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('the metrics never got there')
}

const duration = 'trestle_http_request_duration_seconds_count'

beforeAll(async () => {
  t = await createTestApp({
    METRICS_TOKEN: TOKEN,
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_ANONYMOUS: '100000',
    RATE_LIMIT_USER: '100000',
    RATE_LIMIT_AUTH: '100000',
  })
})
afterAll(() => t.close())

describe('GET /metrics', () => {
  it('is off (404) without METRICS_TOKEN', async () => {
    const off = await createTestApp()
    try {
      problem(await off.app.inject({ url: '/metrics' }), 404)
    } finally {
      await off.close()
    }
  })

  it('answers 401 with a Bearer challenge without the token or with another one', async () => {
    const none = await t.app.inject({ url: '/metrics' })
    problem(none, 401)
    expect(none.headers['www-authenticate']).toMatch(/^Bearer /)
    const wrong = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}x` } })
    problem(wrong, 401)
    expect(wrong.headers['www-authenticate']).toContain('error="invalid_token"')
  })

  it('serves the families an operator needs, each with its type', async () => {
    const families = await scrape()
    const expected: Record<string, string> = {
      trestle_http_request_duration_seconds: 'histogram',
      trestle_http_requests_in_flight: 'gauge',
      trestle_http_requests_shed_total: 'counter',
      trestle_rate_limit_decisions_total: 'counter',
      trestle_login_attempts_total: 'counter',
      trestle_login_locks_total: 'counter',
      trestle_graphql_operations_total: 'counter',
      trestle_graphql_operation_cost: 'histogram',
      trestle_websocket_connections: 'gauge',
      trestle_websocket_messages_total: 'counter',
      trestle_events_published_total: 'counter',
      trestle_event_delivery_lag_seconds: 'histogram',
      trestle_db_query_duration_seconds: 'histogram',
      process_resident_memory_bytes: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
      nodejs_eventloop_lag_p99_seconds: 'gauge',
    }
    if (t.container.database.kind === 'postgres') {
      expected.trestle_db_pool_connections = 'gauge'
      expected.trestle_db_pool_waiting = 'gauge'
    }
    if (t.container.redis) expected.trestle_redis_up = 'gauge'
    for (const [name, type] of Object.entries(expected)) {
      expect(families.get(name)?.type, name).toBe(type)
      expect(families.get(name)?.help, name).not.toBe('')
    }
    expect(sampleValue(families, 'process_resident_memory_bytes')).toBeGreaterThan(0)
    expect(
      sampleValue(families, 'trestle_db_query_duration_seconds_count', { outcome: 'ok' }),
    ).toBeGreaterThan(0)
    if (t.container.redis) expect(sampleValue(families, 'trestle_redis_up')).toBe(1)
    if (t.container.database.kind === 'postgres') {
      expect(sampleValue(families, 'trestle_db_pool_connections', { state: 'max' })).toBeGreaterThan(0)
    }
  })

  it('counts a request under its route pattern, never its id', async () => {
    const labels = { route: '/items/:id', method: 'GET', status: '404' }
    const before = sampleValue(await scrape(), duration, labels)
    problem(await items.get(NO_SUCH_ID), 404)
    problem(await t.app.inject({ url: `/no/such/${NO_SUCH_ID}` }), 404)
    const after = await scrape()
    expect(sampleValue(after, duration, labels)).toBe(before + 1)
    expect(sampleValue(after, duration, { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1)
    for (const family of after.values()) {
      for (const sample of family.samples) {
        expect(Object.values(sample.labels).join(' ')).not.toContain(NO_SUCH_ID)
      }
    }
    // The scrape in progress is in flight; nothing else is.
    expect(sampleValue(after, 'trestle_http_requests_in_flight')).toBe(1)
  })

  it('counts sign-ins, rate-limit decisions, events and GraphQL operations', async () => {
    const before = await scrape()
    const owner = await signUpAndIn(t)
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'password',
        username: owner.username,
        password: 'nope',
      }).toString(),
    })
    expect(wrong.statusCode).toBe(400)
    await items.create(owner)
    const graphql = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: '{ items(first: 5) { edges { node { id name } } } }' },
    })
    expect(graphql.statusCode).toBe(200)
    const delta = (families: Map<string, Family>, name: string, labels: Record<string, string>) =>
      sampleValue(families, name, labels) - sampleValue(before, name, labels)
    const after = await eventually(
      (f) => delta(f, 'trestle_event_delivery_lag_seconds_count', { type: 'item.created' }) >= 1,
    )
    expect(delta(after, 'trestle_login_attempts_total', { outcome: 'succeeded' })).toBe(1)
    expect(delta(after, 'trestle_login_attempts_total', { outcome: 'failed' })).toBe(1)
    expect(delta(after, 'trestle_events_published_total', { type: 'item.created', outcome: 'sent' })).toBe(1)
    // Sign-up and both sign-ins draw on `auth`, the item on `user`, the anonymous query on `anonymous`.
    const decisions = (policy: string) =>
      delta(after, 'trestle_rate_limit_decisions_total', { policy, outcome: 'allowed' })
    expect([decisions('auth'), decisions('user'), decisions('anonymous')]).toEqual([3, 1, 1])
    expect(delta(after, 'trestle_graphql_operations_total', { operation: 'query', outcome: 'ok' })).toBe(1)
    expect(delta(after, 'trestle_graphql_operation_cost_count', { operation: 'query' })).toBe(1)
    expect(delta(after, duration, { route: '/graphql', method: 'POST', status: '200' })).toBe(1)
  })

  it('counts WebSocket connections and messages both ways', async () => {
    // Over TCP: an in-process (injectWS) socket is not closed on the server's side when its client closes.
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = t.app.server.address() as { port: number }
    const client = await connectWs(`http://127.0.0.1:${port}`)
    client.send({ type: 'ping' })
    await client.next((frame) => typeof frame === 'object' && frame.type !== 'presence')
    const open = await scrape()
    expect(sampleValue(open, 'trestle_websocket_connections', { endpoint: '/ws' })).toBe(1)
    expect(sampleValue(open, 'trestle_websocket_messages_total', { endpoint: '/ws', direction: 'in' })).toBe(
      1,
    )
    expect(
      sampleValue(open, 'trestle_websocket_messages_total', { endpoint: '/ws', direction: 'out' }),
    ).toBeGreaterThanOrEqual(1)
    client.ws.close()
    await eventually((f) => sampleValue(f, 'trestle_websocket_connections', { endpoint: '/ws' }) === 0)
  })
})
