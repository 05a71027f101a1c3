// Throughput of an authenticated GET /users/me with rate limits off (the baseline), on the in-process
// store and on Redis, measured in one run. `npm run bench:rate-limits [-- seconds]`
import { startRedisServer } from '../test/support/redis-server.ts'
import { load, startServer, token } from './lib.ts'

const seconds = Number(process.argv[2] ?? 10)
const redis = await startRedisServer()
const common = { RATE_LIMIT_USER: '1000000000', RATE_LIMIT_ANONYMOUS: '1000000000' }
const variants: [string, Record<string, string>][] = [
  ['limits off', { ...common, RATE_LIMIT_ENABLED: 'false' }],
  ['in-process store', { ...common }],
  ['Redis store', { ...common, REDIS_URL: redis.url }],
]

const results = []
try {
  for (const [name, env] of variants) {
    const server = await startServer(env)
    try {
      const auth = { authorization: `Bearer ${await token(server.url)}` }
      await load(`${server.url}/users/me`, { seconds: 2, connections: 32, headers: auth }) // warm-up
      const cpuBefore = await server.cpuMs()
      const result = await load(`${server.url}/users/me`, { seconds, connections: 32, headers: auth })
      const cpuUsPerRequest = (((await server.cpuMs()) - cpuBefore) * 1000) / result.requests
      results.push({ name, ...result, cpuUsPerRequest })
    } finally {
      await server.stop()
    }
  }
} finally {
  await redis.stop()
}

const baseline = results[0]?.requestsPerSecond ?? 1
console.log(`GET /users/me, authenticated, ${seconds} s per variant, 32 connections`)
for (const r of results) {
  console.log(
    `${r.name.padEnd(18)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  ${(r.requestsPerSecond / baseline).toFixed(2)}x  median ${r.latencyMedianMs} ms  p99 ${r.latencyP99Ms} ms  server CPU ${r.cpuUsPerRequest.toFixed(0)} µs/request  non-2xx ${r.non2xx}`,
  )
}
