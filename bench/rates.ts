// Price conversion under load. `npm run bench:rates [-- seconds]`
// 1. Warm cache: GET /items/{id}?currency=EUR against GET /items/{id}, on one server, in one run, in
//    alternating rounds (target: the converted read at 90% or more of the plain one's throughput).
// 2. Cold burst: a fresh server, fake providers that take 300 ms to answer, 200 connections asking for a
//    converted price at once and for `seconds`, RATES_TTL=2: how many calls reach each provider (target: one
//    per provider per TTL, whatever the concurrency).
// Fake providers run in this process on loopback; the server is on core 0, autocannon on core 1.
import { providersSetting, startFakeProviders } from '../test/support/fake-rates.ts'
import { load, type Result, startServer, token } from './lib.ts'

const seconds = Number(process.argv[2] ?? 10)
const fakes = await startFakeProviders()
const providers = providersSetting(fakes.frankfurter, fakes['open-er-api'], fakes.ecb)
const upstreamCalls = () => Object.values(fakes).map((f) => `${f.kind} ${f.requests}`)

async function itemOn(url: string): Promise<string> {
  const created = await fetch(`${url}/items`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token(url)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Teapot', price: 9.99 }),
  })
  return ((await created.json()) as { id: string }).id
}

function line(name: string, r: Result, baseline?: number) {
  const ratio = baseline ? `  ${(r.requestsPerSecond / baseline).toFixed(2)}x` : ''
  return `${name.padEnd(34)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s${ratio}  median ${r.latencyMedianMs} ms  p99 ${r.latencyP99Ms} ms  non-2xx ${r.non2xx}`
}

try {
  // --- 1. Warm cache --------------------------------------------------------------------------------
  const warm = await startServer({
    RATE_LIMIT_ENABLED: 'false',
    RATE_PROVIDERS: providers,
    RATES_TTL: '3600',
  })
  try {
    const id = await itemOn(warm.url)
    const converted = await fetch(`${warm.url}/items/${id}?currency=EUR`)
    if (!converted.ok) throw new Error(`conversion failed: ${await converted.text()}`)
    const runs: [string, string][] = [
      ['GET /items/{id}', `${warm.url}/items/${id}`],
      ['GET /items/{id}?currency=EUR (warm)', `${warm.url}/items/${id}?currency=EUR`],
    ]
    // Rounds alternate between the two, and each row is the median round: a neighbour's load that
    // lands on one run does not decide the ratio.
    const rounds = 3
    const measured = runs.map((): Result[] => [])
    for (const [, url] of runs) await load(url, { seconds, connections: 32 }) // warm-up, at the same length
    for (let round = 0; round < rounds; round++) {
      for (const [i, [, url]] of runs.entries())
        measured[i]?.push(await load(url, { seconds, connections: 32 }))
    }
    const median = (list: Result[]) =>
      [...list].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[
        Math.floor(list.length / 2)
      ] as Result
    const results: [string, Result][] = runs.map(([name], i) => [name, median(measured[i] ?? [])])
    const baseline = results[0]?.[1].requestsPerSecond ?? 1
    console.log(
      `Warm cache: median of ${rounds} alternating ${seconds} s runs, 32 connections, one server on core 0, autocannon on core 1`,
    )
    for (const [name, r] of results) console.log(line(name, r, baseline))
  } finally {
    await warm.stop()
  }

  // --- 2. Cold burst against slow providers -----------------------------------------------------------
  for (const fake of Object.values(fakes)) {
    fake.requests = 0
    fake.always({ kind: 'slow', ms: 300 })
  }
  const ttl = 2
  const cold = await startServer({
    RATE_LIMIT_ENABLED: 'false',
    RATE_PROVIDERS: providers,
    RATES_TTL: String(ttl),
  })
  try {
    const id = await itemOn(cold.url)
    const result = await load(`${cold.url}/items/${id}?currency=EUR`, { seconds, connections: 200 })
    const allowed = Math.ceil(seconds / ttl) + 1
    console.log(
      `\nCold burst: ${seconds} s, 200 connections from a cold cache, providers answering in 300 ms, RATES_TTL=${ttl}`,
    )
    console.log(line('GET /items/{id}?currency=EUR (cold)', result))
    console.log(
      `upstream calls: ${upstreamCalls().join(', ')} (at most ${allowed} each: one per TTL, plus the first)`,
    )
  } finally {
    await cold.stop()
  }
} finally {
  await Promise.all(Object.values(fakes).map((f) => f.close()))
}
