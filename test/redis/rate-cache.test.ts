// Two instances on one Redis share one table of exchange rates: what one fetched, the other serves, and when
// both miss at once, one asks the providers (its claim) while the other waits for its table.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../support/app.ts'
import { type FakeProvider, type Kind, providersSetting, startFakeProviders } from '../support/fake-rates.ts'

let a: TestApp
let b: TestApp
let fakes: Record<Kind, FakeProvider>
const clock = { now: Date.parse('2026-11-24T18:00:00Z') }

beforeAll(async () => {
  fakes = await startFakeProviders()
  const shared = {
    REDIS_PREFIX: `test:${randomUUID()}:`,
    RATE_PROVIDERS: providersSetting(fakes.frankfurter, fakes['open-er-api'], fakes.ecb),
    RATES_TTL: '60',
    RATES_MAX_STALE: '600',
  }
  a = await createTestApp(shared, { clock: () => clock.now })
  b = await createTestApp(shared, { clock: () => clock.now })
})
afterAll(async () => {
  await a.close()
  await b.close()
  await Promise.all(Object.values(fakes).map((f) => f.close()))
})

beforeEach(() => {
  // Past RATES_MAX_STALE: the shared table, if any, is too old to serve.
  clock.now += 86_400_000
  for (const fake of Object.values(fakes)) fake.requests = 0
})

const rates = (t: TestApp) => t.app.inject({ url: '/rates' })
const requests = () => Object.values(fakes).map((f) => f.requests)

describe('two instances on one Redis', () => {
  it('serve one table: what one instance fetched, the other answers without asking', async () => {
    const first = (await rates(a)).json()
    const second = (await rates(b)).json()
    expect(second).toEqual(first)
    expect(requests()).toEqual([1, 1, 1])
  })

  it('missing at once, make one request per provider between them', async () => {
    for (const fake of Object.values(fakes)) fake.hold()
    const onA = Promise.all(Array.from({ length: 100 }, () => rates(a)))
    // A has claimed the refresh and is waiting on the providers when B's requests arrive.
    await Promise.all(Object.values(fakes).map((f) => f.held(1)))
    const onB = Promise.all(Array.from({ length: 100 }, () => rates(b)))
    for (const fake of Object.values(fakes)) fake.release()
    const answers = [...(await onA), ...(await onB)]
    expect(answers.every((res) => res.statusCode === 200)).toBe(true)
    expect(new Set(answers.map((res) => res.json().fetched_at)).size).toBe(1)
    expect(requests()).toEqual([1, 1, 1])
  })
})
