// The soak's graphql-ws client (bench/soak-load.ts), as WsConnection (soak-checks.ts) is its /ws one: every
// close, error and error result it was not told to expect counts as an error in the tally.
import { type Client, createClient } from 'graphql-ws'
import WebSocket from 'ws'
import { describeError, REQUEST_TIMEOUT_MS, type Tally } from './soak-checks.ts'

export class GraphqlWsConnection {
  readonly #client: Client
  readonly #name: string
  readonly #tally: Tally
  #closing = false

  /**
   * `token()` is read at each (re)connection. A connection that stays (`stay`) opens at once and must never
   * close; one that does not opens with its first subscription and closes normally after its last.
   */
  constructor(origin: string, name: string, tally: Tally, token: () => string, stay: boolean) {
    this.#name = name
    this.#tally = tally
    this.#client = createClient({
      url: `${origin.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: () => ({ authorization: `Bearer ${token()}` }),
      retryAttempts: 0,
      lazy: !stay,
      onNonLazyError: (error) => tally.error(`${name}: connection failed`, describeError(error)),
      on: {
        closed: (event) => {
          const code = (event as { code?: number }).code
          if (!this.#closing && (stay || code !== 1000)) tally.error(`${name}: closed`, String(code))
        },
      },
    })
  }

  /** Subscribes for good: each result's data goes to `onData`; an error, or an end before close(), counts. */
  listen<T>(query: string, onData: (data: T) => void): void {
    this.#client.subscribe<T>(
      { query },
      {
        next: (result) => {
          if (result.errors?.length || !result.data) this.#errors(result)
          else onData(result.data as T)
        },
        error: (error) => this.#tally.error(`${this.#name}: subscription failed`, describeError(error)),
        complete: () => {
          if (!this.#closing) this.#tally.error(`${this.#name}: subscription completed`, query)
        },
      },
    )
  }

  /**
   * Subscribes until the first result and `holdMs` after it: whether it came, without errors, within
   * REQUEST_TIMEOUT_MS.
   */
  async first(query: string, holdMs: number): Promise<boolean> {
    let unsubscribe = () => {}
    const received = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), REQUEST_TIMEOUT_MS)
      const done = (ok: boolean) => {
        clearTimeout(timer)
        resolve(ok)
      }
      unsubscribe = this.#client.subscribe(
        { query },
        {
          next: (result) => {
            if (result.errors?.length) this.#errors(result)
            done(!result.errors?.length)
          },
          error: (error) => {
            this.#tally.error(`${this.#name}: subscription failed`, describeError(error))
            done(false)
          },
          complete: () => done(false),
        },
      )
    })
    await new Promise((resolve) => setTimeout(resolve, holdMs))
    unsubscribe()
    return received
  }

  async close(): Promise<void> {
    this.#closing = true
    await this.#client.dispose()
  }

  #errors(result: unknown): void {
    this.#tally.error(`${this.#name}: errors`, JSON.stringify(result))
  }
}
