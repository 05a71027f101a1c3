// Fake exchange-rate providers: real HTTP servers on 127.0.0.1 that speak Frankfurter's, open.er-api's and the
// ECB's formats, and can be told to misbehave (slow, hang, 500, 429 with Retry-After, reset, garbage, a huge
// body) or to hold every request until released. They count requests and TCP connections.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export type Kind = 'frankfurter' | 'open-er-api' | 'ecb'

export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'slow'; ms: number }
  | { kind: 'hang' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'reset' }
  | { kind: 'garbage' }
  | { kind: 'huge'; bytes: number }
  | { kind: 'body'; text: string }

export interface FakeProvider {
  kind: Kind
  /** Base URL for RATE_PROVIDERS. */
  url: string
  /** `kind=url`, one entry of RATE_PROVIDERS. */
  entry: string
  requests: number
  connections: number
  /** Rates the next good answers carry: per USD, or per EUR for the ECB. */
  rates: Record<string, number>
  date: string
  /** What every request gets from now on (after any queued with `next`). */
  always(behaviour: Behaviour): void
  /** What the next requests get, one each, before `always` applies again. */
  next(...behaviours: Behaviour[]): void
  /** Holds every request until `release()`; resolves `held` once `count` requests wait. */
  hold(): void
  held(count: number): Promise<void>
  release(): void
  close(): Promise<void>
}

const DEFAULT_RATES: Record<Kind, Record<string, number>> = {
  frankfurter: { EUR: 0.92, GBP: 0.79, JPY: 156.5, CHF: 0.88 },
  'open-er-api': { USD: 1, EUR: 0.93, GBP: 0.8, JPY: 156.1, KWD: 0.3075 },
  // Per EUR, as the ECB publishes: per USD these are EUR 0.9216589862, GBP 0.7907834101, JPY 156.4976959.
  ecb: { USD: 1.085, GBP: 0.858, JPY: 169.8 },
}

export function bodyOf(kind: Kind, rates: Record<string, number>, date: string): string {
  if (kind === 'frankfurter') return JSON.stringify({ amount: 1, base: 'USD', date, rates })
  if (kind === 'open-er-api') {
    const unix = Date.parse(`${date}T00:02:31Z`) / 1000
    return JSON.stringify({ result: 'success', base_code: 'USD', time_last_update_unix: unix, rates })
  }
  const cubes = Object.entries(rates)
    .map(([currency, rate]) => `\t\t\t<Cube currency='${currency}' rate='${rate}'/>`)
    .join('\n')
  return `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time='${date}'>
${cubes}
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>`
}

const PATHS: Record<Kind, string> = {
  frankfurter: '/latest?from=USD',
  'open-er-api': '/v6/latest/USD',
  ecb: '/eurofxref-daily.xml',
}

export async function startFakeProvider(
  kind: Kind,
  options: { prefix?: string } = {},
): Promise<FakeProvider> {
  const prefix = options.prefix ?? ''
  const sockets = new Set<Socket>()
  const queue: Behaviour[] = []
  let standing: Behaviour = { kind: 'ok' }
  let gate: { promise: Promise<void>; open(): void } | undefined
  const waiting: { count: number; resolve(): void }[] = []
  let heldNow = 0

  const fake: FakeProvider = {
    kind,
    url: '',
    entry: '',
    requests: 0,
    connections: 0,
    rates: { ...DEFAULT_RATES[kind] },
    date: '2026-11-24',
    always: (behaviour) => {
      standing = behaviour
    },
    next: (...behaviours) => {
      queue.push(...behaviours)
    },
    hold() {
      let open = () => {}
      const promise = new Promise<void>((resolve) => {
        open = resolve
      })
      gate = { promise, open }
    },
    held: (count) =>
      heldNow >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve })),
    release() {
      gate?.open()
      gate = undefined
    },
    async close() {
      fake.release()
      server.closeAllConnections()
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }

  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    fake.requests += 1
    if (`${request.url}` !== `${prefix}${PATHS[kind]}`) {
      response.writeHead(404).end('not here')
      return
    }
    if (gate) {
      heldNow += 1
      for (const w of waiting.filter((w) => heldNow >= w.count)) w.resolve()
      await gate.promise
      heldNow -= 1
    }
    const behaviour = queue.shift() ?? standing
    const type = kind === 'ecb' ? 'text/xml' : 'application/json'
    switch (behaviour.kind) {
      case 'hang':
        return
      case 'reset':
        request.socket.destroy()
        return
      case 'status':
        response.writeHead(behaviour.status, {
          'content-type': 'application/json',
          ...(behaviour.retryAfter !== undefined && { 'retry-after': behaviour.retryAfter }),
        })
        response.end('{"error":"no"}')
        return
      case 'garbage':
        response.writeHead(200, { 'content-type': type }).end('<html>\u0000\ufffd not rates {')
        return
      case 'huge':
        response.writeHead(200, { 'content-type': type })
        response.end('x'.repeat(behaviour.bytes))
        return
      case 'body':
        response.writeHead(200, { 'content-type': type }).end(behaviour.text)
        return
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, behaviour.ms))
        break
      case 'ok':
        break
    }
    response.writeHead(200, { 'content-type': type }).end(bodyOf(kind, fake.rates, fake.date))
  }

  const server = createServer((request, response) => {
    answer(request, response).catch(() => response.destroy())
  })
  server.on('connection', (socket) => {
    fake.connections += 1
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  fake.url = `http://127.0.0.1:${port}${prefix}`
  fake.entry = `${kind}=${fake.url}`
  return fake
}

/** The three kinds, each on a server of its own. */
export async function startFakeProviders(): Promise<Record<Kind, FakeProvider>> {
  const [frankfurter, openErApi, ecb] = await Promise.all([
    startFakeProvider('frankfurter'),
    startFakeProvider('open-er-api'),
    startFakeProvider('ecb'),
  ])
  return { frankfurter, 'open-er-api': openErApi, ecb }
}

export function providersSetting(...fakes: FakeProvider[]): string {
  return fakes.map((f) => f.entry).join(',')
}
