// A provider behind the resilience policies of cockatiel: retries with jittered exponential backoff for what a
// retry can fix (timeouts, reset connections, 5xx), honouring Retry-After, inside a circuit breaker of its own;
// the whole call, retries included, within one deadline. Every failure leaves as a ProviderFailure whose status
// (error, timeout, open) the rates response reports.
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  type IBackoff,
  type IRetryBackoffContext,
  IsolatedCircuitError,
  retry,
  wrap,
} from 'cockatiel'
import type { RateQuote } from '../../domain/rate-table.ts'
import { ProviderFailure, type RateProvider } from '../../domain/rates.ts'
import { Outage, type OutageLog } from '../outage.ts'
import type { RateFormat } from './format.ts'
import { HttpStatusError, type RatesHttp } from './http.ts'

export interface ResilienceOptions {
  /** The longest a call may take, retries and their waits included. */
  deadlineMs: number
  /** Retries after the first attempt. */
  retries: number
  /** The first backoff; later ones grow exponentially, with jitter. */
  retryBaseMs: number
  /** Consecutive failed attempts that open the breaker. */
  breakerFailures: number
  /** How long the breaker stays open before one trial call (half-open). */
  breakerCooldownMs: number
}

export interface ResilientProviderOptions {
  name: string
  format: RateFormat
  baseUrl: URL
  http: RatesHttp
  resilience: ResilienceOptions
  log: OutageLog
  now?: () => number
}

/** The provider asked us to wait longer than this call may (a 429, or a Retry-After past the deadline). */
class AskedToWait extends Error {}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
const RESET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'])

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** What a retry can fix: a timeout, a reset connection, a 5xx. */
export function isTransient(error: unknown): boolean {
  if (error instanceof HttpStatusError) return error.status >= 500
  const code = codeOf(error)
  return code !== undefined && (TIMEOUT_CODES.has(code) || RESET_CODES.has(code))
}

export class ResilientProvider implements RateProvider {
  readonly name: string
  readonly #options: ResilientProviderOptions
  readonly #url: URL
  readonly #now: () => number
  readonly #breaker: CircuitBreakerPolicy
  readonly #outage: Outage
  /** Not asked before this time: it said Retry-After. */
  #notBefore = 0
  /** When the breaker last opened, on cockatiel's clock (Date.now). */
  #openedAt = 0

  constructor(options: ResilientProviderOptions) {
    this.name = options.name
    this.#options = options
    this.#url = options.format.url(options.baseUrl)
    this.#now = options.now ?? Date.now
    const { breakerFailures, breakerCooldownMs } = options.resilience
    this.#breaker = circuitBreaker(handleAll, {
      halfOpenAfter: breakerCooldownMs,
      breaker: new ConsecutiveBreaker(breakerFailures),
    })
    this.#breaker.onBreak(() => {
      this.#openedAt = Date.now()
    })
    this.#outage = new Outage(`rates provider ${options.name}`, options.log, { now: this.#now })
  }

  /** The breaker's state, for tests and logs: closed, open or half-open. */
  get breakerState(): 'closed' | 'open' | 'half-open' {
    const state = this.#breaker.state
    if (state === CircuitState.HalfOpen) return 'half-open'
    return state === CircuitState.Closed ? 'closed' : 'open'
  }

  waitMs(): number {
    const cooldown = this.#options.resilience.breakerCooldownMs
    const breaker = this.#breaker.state === CircuitState.Open ? cooldown - (Date.now() - this.#openedAt) : 0
    return Math.max(0, this.#notBefore - this.#now(), breaker)
  }

  async latest(): Promise<RateQuote> {
    if (this.#notBefore > this.#now()) {
      throw new ProviderFailure('open', `${this.name} asked not to be called before ${this.#notBefore}`)
    }
    await this.#options.http.load()
    const { deadlineMs } = this.#options.resilience
    const deadline = AbortSignal.timeout(deadlineMs)
    const started = performance.now()
    const remaining = () => deadlineMs - (performance.now() - started)
    try {
      const quote = await wrap(this.#retry(remaining), this.#breaker).execute(
        ({ signal }) => this.#attempt(signal, remaining),
        deadline,
      )
      this.#outage.succeeded()
      return quote
    } catch (error) {
      const failure = this.#failure(error, deadline)
      this.#outage.failed(error, `${failure.status}: ${failure.message}`)
      throw failure
    }
  }

  // Built per call: its waits are capped by what is left of this call's deadline.
  #retry(remaining: () => number) {
    const { retries, retryBaseMs } = this.#options.resilience
    const exponential = new ExponentialBackoff({ initialDelay: retryBaseMs, maxDelay: 30 * retryBaseMs })
    type Context = IRetryBackoffContext<unknown>
    const backoff = new DelegateBackoff<Context, IBackoff<unknown>>((context, previous) => {
      const next = previous ? previous.next(context) : exponential.next()
      const error = 'error' in context.result ? context.result.error : undefined
      const asked = error instanceof HttpStatusError ? error.retryAfterMs : undefined
      return { delay: Math.max(0, Math.min(asked ?? next.duration, remaining())), state: next }
    })
    return retry(handleWhen(isTransient), { maxAttempts: retries, backoff })
  }

  async #attempt(signal: AbortSignal, remaining: () => number): Promise<RateQuote> {
    // The deadline passed while waiting to retry.
    if (signal.aborted) throw signal.reason
    const { http, format } = this.#options
    try {
      return format.parse(await http.getText(this.#url, format.accept, signal))
    } catch (error) {
      if (error instanceof HttpStatusError && (error.status === 429 || error.status >= 500)) {
        const wait = error.retryAfterMs
        if (wait !== undefined && (error.status === 429 || wait >= remaining())) {
          this.#notBefore = Math.max(this.#notBefore, this.#now() + wait)
          throw new AskedToWait(`HTTP ${error.status}, Retry-After ${Math.ceil(wait / 1000)} s`)
        }
      }
      throw error
    }
  }

  #failure(error: unknown, deadline: AbortSignal): ProviderFailure {
    if (error instanceof ProviderFailure) return error
    const message = error instanceof Error ? error.message : String(error)
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      return new ProviderFailure('open', 'its circuit breaker is open', { cause: error })
    }
    const code = codeOf(error)
    if (deadline.aborted || (code !== undefined && TIMEOUT_CODES.has(code))) {
      return new ProviderFailure('timeout', message, { cause: error })
    }
    return new ProviderFailure('error', message, { cause: error })
  }
}
