// Load shedding: past a bound on heap or event-loop delay, new requests get 503 problem+json with Retry-After
// at once, readiness says so, and the operational routes keep answering.
import type { LightMyRequestResponse } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestApp, problem, type TestApp } from '../support/app.ts'
import { parsePrometheus, sampleValue } from '../support/prometheus.ts'

const TOKEN = 'metrics-token-for-tests-0123456789'
let t: TestApp | undefined
afterEach(() => t?.close())

// Polls `check` for at most `ms`, yielding to the event loop between tries.
async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return false
}

// Holds the event loop, as a runaway computation would.
function block(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {}
}

function shed(res: LightMyRequestResponse): void {
  const body = problem(res, 503)
  expect(body.type).toBe('https://trestle.dev/problems#unavailable')
  expect(res.headers['retry-after']).toBe('7')
}

describe('load shedding', () => {
  it('refuses new requests past the heap bound; liveness, readiness and metrics still answer', async () => {
    // A bound every heap passes: the first sample puts the instance under pressure.
    const app = await createTestApp({
      SHED_HEAP_RATIO: '0.000001',
      SHED_EVENT_LOOP_DELAY: '0',
      SHED_SAMPLE_INTERVAL: '100',
      SHED_RETRY_AFTER: '7',
      METRICS_TOKEN: TOKEN,
    })
    t = app
    expect(await until(() => app.app.isUnderPressure())).toBe(true)

    shed(await app.app.inject({ url: '/items' }))
    shed(
      await app.app.inject({
        method: 'POST',
        url: '/graphql',
        payload: { query: '{ items { edges { node { id } } } }' },
      }),
    )

    const live = await app.app.inject({ url: '/health/live' })
    expect(live.statusCode).toBe(200)
    const ready = await app.app.inject({ url: '/health/ready' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json()).toMatchObject({ status: 'down', checks: { database: 'ok', load: 'down' } })

    const scraped = await app.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(scraped.statusCode).toBe(200)
    const families = parsePrometheus(scraped.body)
    expect(sampleValue(families, 'trestle_http_requests_shed_total', { reason: 'heapUsedBytes' })).toBe(2)
    expect(
      sampleValue(families, 'trestle_http_request_duration_seconds_count', {
        route: '/items',
        status: '503',
      }),
    ).toBe(1)
  })

  it('refuses new requests while the event loop lags past its bound, and serves again after', async () => {
    const app = await createTestApp({
      SHED_EVENT_LOOP_DELAY: '1',
      SHED_SAMPLE_INTERVAL: '500',
      SHED_HEAP_RATIO: '0',
      SHED_RETRY_AFTER: '7',
    })
    t = app
    // A sample that saw a 300 ms stall has a mean delay far past 1 ms; retried if a sample ended mid-stall.
    let pressed = false
    for (let attempt = 0; attempt < 5 && !pressed; attempt++) {
      block(300)
      pressed = await until(() => app.app.isUnderPressure(), 2000)
    }
    expect(pressed).toBe(true)
    shed(await app.app.inject({ url: '/items' }))
    expect((await app.app.inject({ url: '/health/live' })).statusCode).toBe(200)

    // Without stalls the next samples are calm: requests are served again, without a restart.
    expect(
      await until(async () => (await app.app.inject({ url: '/items' })).statusCode === 200, 10_000),
    ).toBe(true)
  })
})
