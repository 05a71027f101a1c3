// The providers over real HTTP, against fake upstreams on 127.0.0.1: every failure mode ends as a status
// (error, timeout, open), retries only what a retry can fix, Retry-After is honoured, the breaker opens,
// half-opens and closes on a clock the test sets, and calls share a few keep-alive connections.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RatesHttp } from '../../src/adapters/rates/http.ts'
import { FORMATS } from '../../src/adapters/rates/providers.ts'
import { type ResilienceOptions, ResilientProvider } from '../../src/adapters/rates/resilient.ts'
import { decimalText } from '../../src/domain/decimal.ts'
import { ProviderFailure } from '../../src/domain/rates.ts'
import { type FakeProvider, type Kind, startFakeProvider } from '../support/fake-rates.ts'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(open.splice(0).map((o) => o.close()))
})

interface Options extends Partial<ResilienceOptions> {
  connections?: number
  responseTimeoutMs?: number
  maxBodyBytes?: number
  now?: () => number
}

const logged: string[] = []
const log = {
  info: (_: object, message: string) => logged.push(message),
  error: (_: object, message: string) => logged.push(message),
}
beforeEach(() => {
  logged.length = 0
})

async function fake(kind: Kind = 'frankfurter'): Promise<FakeProvider> {
  const upstream = await startFakeProvider(kind)
  open.push(upstream)
  return upstream
}

function providerFor(upstream: FakeProvider, options: Options = {}) {
  const http = new RatesHttp(
    {
      connections: options.connections ?? 2,
      connectTimeoutMs: 1000,
      responseTimeoutMs: options.responseTimeoutMs ?? 1000,
      maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    },
    options.now,
  )
  open.push(http)
  return new ResilientProvider({
    name: upstream.kind,
    format: FORMATS[upstream.kind] as (typeof FORMATS)[string] & object,
    baseUrl: new URL(upstream.url),
    http,
    log,
    ...(options.now && { now: options.now }),
    resilience: {
      deadlineMs: options.deadlineMs ?? 3000,
      retries: options.retries ?? 2,
      retryBaseMs: options.retryBaseMs ?? 1,
      breakerFailures: options.breakerFailures ?? 100,
      breakerCooldownMs: options.breakerCooldownMs ?? 30_000,
    },
  })
}

async function statusOf(provider: ResilientProvider): Promise<string> {
  try {
    await provider.latest()
    return 'ok'
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderFailure)
    return (error as ProviderFailure).status
  }
}

describe('failures', () => {
  it('a 500 every time is an error after the retries, logged once', async () => {
    const upstream = await fake()
    upstream.always({ kind: 'status', status: 500 })
    const provider = providerFor(upstream, { retries: 2 })
    expect(await statusOf(provider)).toBe('error')
    expect(upstream.requests).toBe(3)
    expect(await statusOf(provider)).toBe('error')
    expect(logged).toEqual(['rates provider frankfurter: error: HTTP 500'])
  })

  it('an answer slower than the response timeout is a timeout, retried', async () => {
    // undici checks its headers and body timeouts about once a second, so this takes about two.
    const upstream = await fake()
    upstream.always({ kind: 'slow', ms: 3000 })
    const provider = providerFor(upstream, { responseTimeoutMs: 50, retries: 1 })
    expect(await statusOf(provider)).toBe('timeout')
    expect(upstream.requests).toBe(2)
  })

  it('an answer slower than the deadline is a timeout at the deadline', async () => {
    const upstream = await fake()
    upstream.always({ kind: 'slow', ms: 3000 })
    const provider = providerFor(upstream, { deadlineMs: 200 })
    const started = performance.now()
    expect(await statusOf(provider)).toBe('timeout')
    expect(performance.now() - started).toBeLessThan(1000)
    expect(upstream.requests).toBe(1)
  })

  it('a provider that hangs costs one deadline, retries included', async () => {
    const upstream = await fake()
    upstream.always({ kind: 'hang' })
    const provider = providerFor(upstream, { deadlineMs: 300, responseTimeoutMs: 10_000 })
    const started = performance.now()
    expect(await statusOf(provider)).toBe('timeout')
    expect(performance.now() - started).toBeLessThan(2000)
  })

  it.each([
    ['garbage', { kind: 'garbage' as const }],
    ['a body over the cap', { kind: 'huge' as const, bytes: 200_000 }],
    ['a 404', { kind: 'status' as const, status: 404 }],
    ['a 429 without Retry-After', { kind: 'status' as const, status: 429 }],
    [
      'a valid body of another base',
      { kind: 'body' as const, text: '{"amount":1,"base":"EUR","date":"2026-11-24","rates":{"USD":1.08}}' },
    ],
  ])('%s is an error, not retried', async (_what, behaviour) => {
    const upstream = await fake()
    upstream.always(behaviour)
    const provider = providerFor(upstream)
    expect(await statusOf(provider)).toBe('error')
    expect(upstream.requests).toBe(1)
  })

  it('a body over the cap is refused before it is read when Content-Length says so', async () => {
    const upstream = await fake('ecb')
    upstream.always({ kind: 'huge', bytes: 10_000_000 })
    const provider = providerFor(upstream, { maxBodyBytes: 4096 })
    expect(await statusOf(provider)).toBe('error')
  })
})

describe('retries', () => {
  it('a 500 and a reset connection are retried, and the answer comes through', async () => {
    const upstream = await fake('open-er-api')
    upstream.next({ kind: 'status', status: 500 }, { kind: 'reset' })
    const quote = await providerFor(upstream).latest()
    expect(decimalText(quote.rates.get('EUR') ?? { units: 0n, scale: 0 })).toBe('0.93')
    expect(upstream.requests).toBe(3)
  })

  it('a 503 with Retry-After within the deadline is retried after that long', async () => {
    const upstream = await fake()
    upstream.next({ kind: 'status', status: 503, retryAfter: '1' })
    const provider = providerFor(upstream, { deadlineMs: 3000 })
    const started = performance.now()
    expect(await statusOf(provider)).toBe('ok')
    expect(performance.now() - started).toBeGreaterThanOrEqual(990)
    expect(upstream.requests).toBe(2)
  })

  it('a 429 with Retry-After: not retried, and not asked again until then', async () => {
    const clock = { now: 1_000_000 }
    const upstream = await fake()
    upstream.next({ kind: 'status', status: 429, retryAfter: '120' })
    const provider = providerFor(upstream, { now: () => clock.now })
    expect(await statusOf(provider)).toBe('error')
    expect(provider.waitMs()).toBe(120_000)
    clock.now += 119_000
    expect(await statusOf(provider)).toBe('open')
    expect(upstream.requests).toBe(1)
    clock.now += 1000
    expect(await statusOf(provider)).toBe('ok')
    expect(upstream.requests).toBe(2)
  })

  it('a 503 whose Retry-After (an HTTP date) lies past the deadline is not waited for', async () => {
    const clock = { now: Date.parse('2026-11-24T18:00:00Z') }
    const upstream = await fake()
    upstream.next({ kind: 'status', status: 503, retryAfter: 'Tue, 24 Nov 2026 18:10:00 GMT' })
    const provider = providerFor(upstream, { now: () => clock.now, deadlineMs: 2000 })
    expect(await statusOf(provider)).toBe('error')
    expect(provider.waitMs()).toBe(600_000)
    expect(upstream.requests).toBe(1)
  })
})

describe('the circuit breaker', () => {
  it('opens after repeated failures, half-opens after the cool-down, and closes on a good trial', async () => {
    // cockatiel's breaker reads Date.now: the test sets it.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.parse('2026-11-24T18:00:00Z'))
    const upstream = await fake()
    upstream.always({ kind: 'status', status: 500 })
    const provider = providerFor(upstream, { retries: 0, breakerFailures: 3, breakerCooldownMs: 30_000 })
    for (let i = 0; i < 3; i++) expect(await statusOf(provider)).toBe('error')
    expect(provider.breakerState).toBe('open')
    expect(await statusOf(provider)).toBe('open')
    expect(upstream.requests).toBe(3)
    expect(provider.waitMs()).toBe(30_000)

    vi.setSystemTime(Date.now() + 29_000)
    expect(await statusOf(provider)).toBe('open')
    expect(upstream.requests).toBe(3)

    // After the cool-down one trial call goes through; it fails, so the breaker opens again.
    vi.setSystemTime(Date.now() + 1000)
    expect(await statusOf(provider)).toBe('error')
    expect(upstream.requests).toBe(4)
    expect(provider.breakerState).toBe('open')

    // The next trial succeeds: closed, and calls flow again.
    upstream.always({ kind: 'ok' })
    vi.setSystemTime(Date.now() + 30_000)
    expect(await statusOf(provider)).toBe('ok')
    expect(provider.breakerState).toBe('closed')
    expect(await statusOf(provider)).toBe('ok')
    expect(upstream.requests).toBe(6)
  })

  it('stops the retries of a call once it opens', async () => {
    const upstream = await fake()
    upstream.always({ kind: 'status', status: 502 })
    const provider = providerFor(upstream, { retries: 5, breakerFailures: 2 })
    expect(await statusOf(provider)).toBe('open')
    expect(upstream.requests).toBe(2)
  })
})

describe('connections', () => {
  it('many calls, few keep-alive connections', async () => {
    const upstream = await fake()
    const provider = providerFor(upstream, { connections: 2 })
    for (let i = 0; i < 50; i++) await provider.latest()
    expect(upstream.requests).toBe(50)
    expect(upstream.connections).toBeLessThanOrEqual(2)
  })

  it('concurrent calls never open more connections than the cap', async () => {
    const upstream = await fake('ecb')
    const provider = providerFor(upstream, { connections: 2 })
    await Promise.all(Array.from({ length: 40 }, () => provider.latest()))
    expect(upstream.requests).toBe(40)
    expect(upstream.connections).toBeLessThanOrEqual(2)
  })
})
