// The HTTP client of the exchange-rate providers (undici): one keep-alive pool per origin with a connection
// cap, connect/headers/body timeouts per attempt, a size cap on bodies, and the caller's deadline as an
// AbortSignal. Redirects are not followed: a provider is reached only at the URL configured for it.
import type { Pool } from 'undici'

// undici is loaded before the first call to a provider, not at start: an instance that never converts a
// price never pays the memory for it.
let undici: typeof import('undici') | undefined

export interface HttpLimits {
  /** Connections per origin. */
  connections: number
  connectTimeoutMs: number
  /** Longest wait for the response headers, and between two chunks of the body. */
  responseTimeoutMs: number
  maxBodyBytes: number
}

/** A response that is not 2xx; `retryAfterMs` from its Retry-After header, when it has one. */
export class HttpStatusError extends Error {
  readonly status: number
  readonly retryAfterMs: number | undefined
  constructor(status: number, retryAfterMs: number | undefined) {
    super(`HTTP ${status}`)
    this.status = status
    this.retryAfterMs = retryAfterMs
  }
}

export class BodyTooLargeError extends Error {}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined) return undefined
  if (/^\d{1,9}$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

export class RatesHttp {
  readonly #limits: HttpLimits
  readonly #now: () => number
  readonly #pools = new Map<string, Pool>()

  constructor(limits: HttpLimits, now: () => number = Date.now) {
    this.#limits = limits
    this.#now = now
  }

  /** Loads the HTTP client; callers await it before their deadline starts, so loading never eats into it. */
  async load(): Promise<void> {
    undici ??= await import('undici')
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin)
    if (!pool) {
      if (!undici) throw new Error('RatesHttp.load() was not awaited')
      pool = new undici.Pool(origin, {
        connections: this.#limits.connections,
        connectTimeout: this.#limits.connectTimeoutMs,
        headersTimeout: this.#limits.responseTimeoutMs,
        bodyTimeout: this.#limits.responseTimeoutMs,
        keepAliveTimeout: 30_000,
      })
      this.#pools.set(origin, pool)
    }
    return pool
  }

  /** The body of a 2xx answer to GET `url`, as text; throws HttpStatusError, BodyTooLargeError or undici's errors. */
  async getText(url: URL, accept: string, signal: AbortSignal): Promise<string> {
    const response = await this.#pool(url.origin).request({
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      headers: { accept, 'user-agent': 'trestle' },
      signal,
    })
    const { statusCode, headers, body } = response
    if (statusCode < 200 || statusCode >= 300) {
      // Read what little an error carries, so the connection goes back to the pool.
      await body.dump({ limit: 64 * 1024 }).catch(() => undefined)
      throw new HttpStatusError(statusCode, retryAfterMs(headers['retry-after'], this.#now()))
    }
    const max = this.#limits.maxBodyBytes
    if (Number(headers['content-length'] ?? 0) > max) {
      body.destroy()
      throw new BodyTooLargeError(`the body has ${headers['content-length']} bytes; the cap is ${max}`)
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > max) {
        body.destroy()
        throw new BodyTooLargeError(`the body passed the cap of ${max} bytes`)
      }
      chunks.push(chunk)
    }
    return Buffer.concat(chunks).toString('utf8')
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.destroy()))
    this.#pools.clear()
  }
}
