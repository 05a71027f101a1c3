// A request that reaches the server while it shuts down (here: pipelined behind one in flight) is answered
// with a 503 problem, Retry-After and Connection: close, like every other error.
import { once } from 'node:events'
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createTestApp } from '../support/app.ts'

describe('while the server is closing', () => {
  it('answers a pipelined request with a 503 problem and closes the connection', async () => {
    const t = await createTestApp()
    try {
      await t.app.listen({ host: '127.0.0.1', port: 0 })
      const { port } = t.app.server.address() as { port: number }
      const signUp = JSON.stringify({
        username: 'closing',
        email: 'closing@example.com',
        password: 'correct horse battery',
      })
      const socket = connect({ host: '127.0.0.1', port })
      let received = ''
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        received += chunk
      })
      const arrived = once(t.app.server, 'request')
      // The sign-up hashes a password (tens of milliseconds): the server closes meanwhile.
      socket.write(
        `POST /users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(signUp)}\r\n\r\n${signUp}` +
          'GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n',
      )
      await arrived
      const closed = t.app.close()
      await once(socket, 'close')
      await closed
      const [first, second] = received.split(/(?=HTTP\/1\.1 )/)
      expect(first).toMatch(/^HTTP\/1\.1 201 /)
      expect(second).toMatch(/^HTTP\/1\.1 503 /)
      expect(second).toMatch(/\r\ncontent-type: application\/problem\+json/i)
      expect(second).toMatch(/\r\nretry-after: 1\r\n/i)
      expect(second).toMatch(/\r\nconnection: close\r\n/i)
      const body = JSON.parse(second?.slice(second.indexOf('\r\n\r\n') + 4) ?? '')
      expect(body).toMatchObject({ status: 503, type: 'https://trestle.dev/problems#unavailable' })
    } finally {
      await t.close()
    }
  })
})
