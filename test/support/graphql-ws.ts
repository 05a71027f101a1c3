// A graphql-ws client (graphql-transport-ws protocol) over a real WebSocket, and subscriptions read as
// queues: `next()` waits (bounded) for the next message.
import { type Client, createClient } from 'graphql-ws'
import WebSocket from 'ws'

export function wsClient(httpUrl: string, token?: string): Client {
  return createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  })
}

export interface Subscription<T> {
  /** The next result, or a rejection after `timeoutMs`. */
  next(timeoutMs?: number): Promise<T>
  /** Ends the subscription. */
  dispose(): void
}

export function subscribe<T = Record<string, unknown>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Subscription<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  type Result = { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }
  const results: Result[] = []
  const waiting: ((r: Result) => void)[] = []
  const push = (r: Result) => {
    const resolve = waiting.shift()
    if (resolve) resolve(r)
    else results.push(r)
  }
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => push(value as Result),
      error: (error) =>
        push({
          errors: Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? error) }],
        }),
      complete: () => {},
    },
  )
  return {
    next(timeoutMs = 5000) {
      const ready = results.shift()
      if (ready) return Promise.resolve(ready)
      return new Promise((resolve, reject) => {
        const waiter = (r: Result) => {
          clearTimeout(timer)
          resolve(r)
        }
        // A waiter that timed out must not swallow the message that comes later.
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1)
          reject(new Error(`no message within ${timeoutMs} ms`))
        }, timeoutMs)
        waiting.push(waiter)
      })
    },
    dispose,
  }
}
