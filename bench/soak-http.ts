// The soak's HTTP side (bench/soak-load.ts): requests over a keep-alive pool, each answer checked against
// the statuses its operation may give and counted in the tally, and the accounts' sign-in and refresh.
import { Pool } from 'undici'
import { REQUEST_TIMEOUT_MS, type Tally } from './soak-checks.ts'

const PASSWORD = 'soak password 0123'

export interface Call {
  method?: string
  path: string
  token?: string
  json?: unknown
  form?: Record<string, string>
  headers?: Record<string, string>
}

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

export interface Session {
  name: string
  id: string
  access: string
  refresh: string
}

export class SoakHttp {
  readonly #tally: Tally
  readonly #pool: Pool

  constructor(origin: string, tally: Tally) {
    this.#tally = tally
    this.#pool = new Pool(origin, {
      connections: 16,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    })
  }

  /** The reply when its status is one of `expected`; otherwise undefined, with the error counted. */
  async request(name: string, call: Call, expected: readonly number[]): Promise<Reply | undefined> {
    const headers: Record<string, string> = { ...call.headers }
    if (call.token) headers.authorization = `Bearer ${call.token}`
    let body: string | undefined
    if (call.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(call.json)
    } else if (call.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(call.form).toString()
    }
    const started = performance.now()
    try {
      const res = await this.#pool.request({ method: call.method ?? 'GET', path: call.path, headers, body })
      const text = await res.body.text()
      this.#tally.request(performance.now() - started)
      if (!expected.includes(res.statusCode)) {
        this.#tally.error(`${name} answered ${res.statusCode}`, text)
        return undefined
      }
      const type = String(res.headers['content-type'] ?? '')
      return {
        status: res.statusCode,
        headers: res.headers,
        body: type.includes('json') ? JSON.parse(text) : text,
      }
    } catch (error) {
      this.#tally.request(performance.now() - started)
      const code = (error as { code?: string }).code ?? (error as Error).name
      this.#tally.error(`${name} failed: ${code}`, String(error))
      return undefined
    }
  }

  async graphql<T>(name: string, query: string, variables: object, token?: string): Promise<T | undefined> {
    const reply = await this.request(
      `POST /graphql ${name}`,
      { method: 'POST', path: '/graphql', json: { query, variables }, ...(token && { token }) },
      [200],
    )
    if (!reply) return undefined
    const result = reply.body as { data?: T; errors?: unknown[] }
    if (result.errors?.length || !result.data) {
      this.#tally.error(`POST /graphql ${name}: errors`, JSON.stringify(result))
      return undefined
    }
    return result.data
  }

  async signUp(name: string): Promise<Session> {
    const account = { username: `soak-${name}`, email: `soak-${name}@example.com`, password: PASSWORD }
    await this.request('POST /users', { method: 'POST', path: '/users', json: account }, [201])
    const session = await this.signIn(account.username)
    if (!session) throw new Error(`could not sign ${name} in`)
    return session
  }

  async signIn(username: string): Promise<Session | undefined> {
    const reply = await this.request(
      'POST /token (password)',
      { method: 'POST', path: '/token', form: { grant_type: 'password', username, password: PASSWORD } },
      [200],
    )
    if (!reply) return undefined
    const tokens = reply.body as { access_token: string; refresh_token: string }
    const me = await this.request('GET /users/me', { path: '/users/me', token: tokens.access_token }, [200])
    if (!me) return undefined
    return {
      name: username,
      id: (me.body as { id: string }).id,
      access: tokens.access_token,
      refresh: tokens.refresh_token,
    }
  }

  async refresh(session: Session): Promise<boolean> {
    const reply = await this.request(
      'POST /token (refresh)',
      {
        method: 'POST',
        path: '/token',
        form: { grant_type: 'refresh_token', refresh_token: session.refresh },
      },
      [200],
    )
    if (!reply) return false
    const tokens = reply.body as { access_token: string; refresh_token: string }
    session.access = tokens.access_token
    session.refresh = tokens.refresh_token
    return true
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}
