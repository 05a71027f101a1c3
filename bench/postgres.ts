// `node bench/postgres.ts`: a throwaway PostgreSQL on loopback for the scale run (the tests' own server
// helper); prints its DATABASE_URL, then runs until SIGINT/SIGTERM, when it stops and removes its files.
import { startPostgres } from '../test/support/postgres-server.ts'

const server = await startPostgres()
console.log(server.url)
const alive = setInterval(() => {}, 60_000) // signal listeners alone do not keep Node running
await new Promise((resolve) => {
  process.once('SIGINT', resolve)
  process.once('SIGTERM', resolve)
})
clearInterval(alive)
await server.stop()
