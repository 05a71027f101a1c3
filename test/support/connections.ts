// Raw connections for the shutdown tests: what a new connection meets, and a request certainly in flight.
import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'

/**
 * What a new TCP connection meets: accepted, refused, or reset before it was accepted (Linux resets one
 * still in the listener's accept queue when the listener closes; like a refusal, no byte of a request was
 * sent). Any other error rejects.
 */
export function connectOutcome(port: number, host = '127.0.0.1'): Promise<'accepted' | 'refused' | 'reset'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve('accepted')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') resolve('refused')
      else if (error.code === 'ECONNRESET') resolve('reset')
      else reject(error)
    })
  })
}

/**
 * A sign-up the server holds in hand (`Expect: 100-continue`: it said Continue) while its body is still to
 * come: a request certainly in flight when a signal arrives. `finish()` sends the body and reads the answer.
 */
export async function heldSignUp(
  port: number,
  user: { username: string; email: string; password: string },
  host = '127.0.0.1',
) {
  const body = JSON.stringify(user)
  const req = http.request({
    host,
    port,
    method: 'POST',
    path: '/users',
    agent: false,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      expect: '100-continue',
    },
  })
  const response = once(req, 'response') as Promise<[http.IncomingMessage]>
  req.flushHeaders()
  const early = await Promise.race([once(req, 'continue').then(() => undefined), response.then(([r]) => r)])
  if (early) throw new Error(`the server answered ${early.statusCode} before it had the body`)
  return {
    async finish() {
      req.end(body)
      const [res] = await response
      let text = ''
      for await (const chunk of res) text += chunk
      return { status: res.statusCode, text }
    },
  }
}
