// A /ws client for tests: in process through injectWS, or over TCP with the ws package. Frames are read as a
// queue: `next()` waits (bounded) for the next one that matches.
import type { FastifyInstance } from 'fastify'
import WebSocket from 'ws'

export type Frame = Record<string, unknown> & { type?: string }

export interface WsClient {
  ws: WebSocket
  /** The next frame (parsed when it is JSON) that matches, or a rejection after `timeoutMs`. */
  next(match?: (frame: Frame | string) => boolean, timeoutMs?: number): Promise<Frame | string>
  send(frame: Frame | string): void
  /** Resolves with the close code and reason once the server closes the connection. */
  closed: Promise<{ code: number; reason: string }>
}

function wrap(ws: WebSocket, received: (Frame | string)[], waiters: Set<() => void>): WsClient {
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  })
  return {
    ws,
    closed,
    send(frame) {
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
    },
    next(match = () => true, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const at = received.findIndex(match)
          if (at < 0) return false
          waiters.delete(check)
          clearTimeout(timer)
          resolve(received.splice(at, 1)[0] as Frame | string)
          return true
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no matching frame within ${timeoutMs} ms; received: ${JSON.stringify(received)}`))
        }, timeoutMs)
        if (!check()) waiters.add(check)
      })
    },
  }
}

function collect(ws: WebSocket) {
  const received: (Frame | string)[] = []
  const waiters = new Set<() => boolean>()
  ws.on('message', (data) => {
    const text = data.toString()
    let frame: Frame | string = text
    try {
      const parsed = JSON.parse(text)
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) frame = parsed
    } catch {}
    received.push(frame)
    for (const waiter of [...waiters]) waiter()
  })
  return { received, waiters }
}

/** In process (injectWS), from 127.0.0.1 unless said otherwise. */
export async function injectWs(
  app: FastifyInstance,
  headers: Record<string, string> = {},
  remoteAddress = '127.0.0.1',
): Promise<WsClient> {
  let state: ReturnType<typeof collect> | undefined
  const ws = await app.injectWS('/ws', { headers, socket: { remoteAddress } } as never, {
    onInit: (socket: WebSocket) => {
      state = collect(socket)
    },
  })
  const { received, waiters } = state ?? collect(ws)
  return wrap(ws, received, waiters as Set<() => void>)
}

/** Over TCP to a listening server. */
export async function connectWs(
  url: string,
  options: { protocols?: string[]; headers?: Record<string, string> } = {},
) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, options.protocols, {
    headers: options.headers,
  })
  const state = collect(ws)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return wrap(ws, state.received, state.waiters as Set<() => void>)
}

export const isType = (type: string) => (frame: Frame | string) =>
  typeof frame === 'object' && frame.type === type
