// Throughput of one item with its owner's name: GraphQL `{ item(id) { name price owner { name } } }`
// against REST `GET /items/{id}`, on one server, in one run. `npm run bench:graphql [-- seconds]`
import { load, startServer, token } from './lib.ts'

const seconds = Number(process.argv[2] ?? 10)
const server = await startServer({ RATE_LIMIT_ENABLED: 'false' })
try {
  const auth = `Bearer ${await token(server.url)}`
  const created = await fetch(`${server.url}/items`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Teapot', price: 9.99 }),
  })
  const { id } = (await created.json()) as { id: string }
  const query = JSON.stringify({ query: `{ item(id: "${id}") { name price owner { name } } }` })
  const runs: [string, () => ReturnType<typeof load>][] = [
    ['REST GET /items/{id}', () => load(`${server.url}/items/${id}`, { seconds, connections: 32 })],
    [
      'GraphQL item + owner',
      () =>
        load(`${server.url}/graphql`, {
          seconds,
          connections: 32,
          method: 'POST',
          body: query,
          headers: { 'content-type': 'application/json' },
        }),
    ],
  ]
  const results = []
  for (const [name, run] of runs) {
    await run() // warm-up, at the same length: JIT compilers and caches settle
    const cpuBefore = await server.cpuMs()
    const result = await run()
    results.push({
      name,
      ...result,
      cpuUsPerRequest: (((await server.cpuMs()) - cpuBefore) * 1000) / result.requests,
    })
  }
  const baseline = results[0]?.requestsPerSecond ?? 1
  console.log(`${seconds} s per run, 32 connections, one server on core 0, autocannon on core 1`)
  for (const r of results) {
    console.log(
      `${r.name.padEnd(22)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  ${(r.requestsPerSecond / baseline).toFixed(2)}x  median ${r.latencyMedianMs} ms  p99 ${r.latencyP99Ms} ms  server CPU ${r.cpuUsPerRequest.toFixed(0)} µs/request  non-2xx ${r.non2xx}`,
    )
  }
} finally {
  await server.stop()
}
