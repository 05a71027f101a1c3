// Requests refused before routing, over a real TCP connection: what Node's HTTP parser refuses (oversized
// headers and URLs, ambiguous framing, malformed lines, unknown methods) and a URL that does not decode.
// Each answer is a problem document with a request id, and the connection closes cleanly after it.
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
let port: number

beforeAll(async () => {
  t = await createTestApp()
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  port = (t.app.server.address() as net.AddressInfo).port
})
afterAll(() => t.close())

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Writes the bytes as they are and reads every response until the server closes the connection. */
function exchange(bytes: string): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(parseResponses(Buffer.concat(chunks).toString('utf8'))))
    socket.write(bytes)
  })
}

function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = []
  let rest = text
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n')
    if (end === -1) throw new Error(`incomplete response: ${JSON.stringify(rest.slice(0, 200))}`)
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n')
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    const length = Number(headers['content-length'] ?? 0)
    const bodyBytes = Buffer.from(rest.slice(end + 4), 'utf8')
    responses.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: bodyBytes.subarray(0, length).toString('utf8'),
    })
    rest = bodyBytes.subarray(length).toString('utf8')
  }
  return responses
}

function expectProblem(res: RawResponse | undefined, status: number): Record<string, unknown> {
  if (!res) throw new Error('no response')
  expect(res.status).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  const body = JSON.parse(res.body)
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\/trestle\.dev\/problems#/) })
  expect(body.title).toBeTypeOf('string')
  expect(body.detail).toBeTypeOf('string')
  expect(body.request_id).toMatch(/^[\w.:-]{1,64}$/)
  expect(res.headers['x-request-id']).toBe(body.request_id)
  return body
}

const manyHeaders = Array.from({ length: 2000 }, (_, i) => `X-Header-${i}: value\r\n`).join('')

const CASES: [name: string, bytes: string, status: number, detail: RegExp][] = [
  [
    'an 80 KB header',
    `GET /items HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(80 * 1024)}\r\n\r\n`,
    431,
    /exceed/,
  ],
  ['2,000 headers', `GET /items HTTP/1.1\r\nHost: x\r\n${manyHeaders}\r\n`, 431, /exceed/],
  ['a 100 KB URL', `GET /items?q=${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, /exceed/],
  [
    'Content-Length with Transfer-Encoding',
    'POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    400,
    /Transfer-Encoding/,
  ],
  [
    'a duplicate Content-Length',
    'POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
    400,
    /Content-Length/,
  ],
  [
    'an obs-fold header line',
    'GET /items HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n',
    400,
    /not valid HTTP/,
  ],
  ['bare LF line endings', 'GET /items HTTP/1.1\nHost: x\n\n', 400, /not valid HTTP/],
  ['an unknown method', 'BREW /items HTTP/1.1\r\nHost: x\r\n\r\n', 400, /method/],
]

describe('a request the HTTP parser refuses', () => {
  for (const [name, bytes, status, detail] of CASES) {
    it(`${name}: ${status} problem, then the connection closes`, async () => {
      const responses = await exchange(bytes)
      expect(responses).toHaveLength(1)
      const body = expectProblem(responses[0], status)
      expect(body.detail).toMatch(detail)
      expect(responses[0]?.headers.connection).toBe('close')
    })
  }

  it('after a good request on the same connection: its answer, then the problem', async () => {
    const responses = await exchange(
      'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\nBREW /items HTTP/1.1\r\nHost: x\r\n\r\n',
    )
    expect(responses.map((r) => r.status)).toEqual([200, 400])
    expect(JSON.parse(responses[0]?.body ?? '')).toEqual({ status: 'ok' })
    expectProblem(responses[1], 400)
  })

  it('gives each its own request id', async () => {
    const [first] = await exchange('BREW / HTTP/1.1\r\nHost: x\r\n\r\n')
    const [second] = await exchange('BREW / HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(first?.headers['x-request-id']).not.toBe(second?.headers['x-request-id'])
  })
})

describe('a URL the router cannot decode', () => {
  for (const path of ['/items/%ff', '/items/%ED%A0%80', '/nowhere/%ff']) {
    it(`GET ${path}: 400 problem, and the connection stays usable`, async () => {
      const responses = await exchange(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-${path.length}\r\n\r\n` +
          'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      )
      expect(responses.map((r) => r.status)).toEqual([400, 200])
      const body = expectProblem(responses[0], 400)
      expect(body).toMatchObject({ type: 'https://trestle.dev/problems#bad-request', instance: path })
      expect(body.detail).toMatch(/percent-escape/)
      // A sane caller-given id is honoured here as everywhere.
      expect(body.request_id).toBe(`trace-${path.length}`)
    })
  }
})
