// A running load against a server process over real HTTP, for the fault suites: calls that never throw (a
// network error is an answer with status 0 and its code), and concurrent writers that keep every answer.

export interface Answer {
  status: number
  headers: Headers
  text: string
  ms: number
  /** When the answer (or the failure) arrived, on performance.now()'s clock. */
  at: number
  /** The network error's code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET…) when there was no response. */
  error?: string
  /** `connect` when the connection failed before any byte of the request was sent. */
  syscall?: string
}

export interface CallOptions {
  headers?: Record<string, string>
  body?: unknown
  timeoutMs?: number
}

/** One request; JSON bodies; a network failure comes back as `{ status: 0, error }`. */
export async function call(method: string, url: string, options: CallOptions = {}): Promise<Answer> {
  const started = performance.now()
  try {
    const res = await fetch(url, {
      method,
      headers: {
        ...options.headers,
        ...(options.body !== undefined && { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    })
    const text = await res.text()
    const at = performance.now()
    return { status: res.status, headers: res.headers, text, ms: at - started, at }
  } catch (error) {
    const cause = (error as { cause?: { code?: string; syscall?: string } }).cause
    const code = cause?.code ?? (error as { name?: string }).name ?? 'unknown'
    const at = performance.now()
    const failed = {
      status: 0,
      headers: new Headers(),
      text: String(cause ?? error),
      ms: at - started,
      at,
      error: code,
    }
    return cause?.syscall ? { ...failed, syscall: cause.syscall } : failed
  }
}

/** Signs a user up and in over HTTP; the Authorization header for its calls. */
export async function signUp(base: string, username: string): Promise<{ authorization: string }> {
  const password = 'correct horse battery'
  const created = await call('POST', `${base}/users`, {
    body: { username, email: `${username}@example.com`, password },
  })
  if (created.status !== 201) throw new Error(`sign-up failed: ${created.status} ${created.text}`)
  const res = await fetch(`${base}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username, password }),
  })
  const { access_token } = (await res.json()) as { access_token: string }
  return { authorization: `Bearer ${access_token}` }
}

/**
 * `count` concurrent loops of `send(writer, i)`, each bounded by `perWriter` calls, until `stop()`. Every
 * answer is kept; `created` holds the ids that 201 answers acknowledged.
 */
export function writers(
  count: number,
  send: (writer: number, i: number) => Promise<Answer>,
  perWriter = 300,
) {
  let stopped = false
  let finished = 0
  const answers: Answer[] = []
  const created: string[] = []
  const loops = Array.from({ length: count }, async (_, w) => {
    for (let i = 0; i < perWriter && !stopped; i++) {
      const res = await send(w, i)
      answers.push(res)
      if (res.status === 201) created.push(JSON.parse(res.text).id)
    }
    finished++
  })
  return {
    answers,
    created,
    /** Resolves once `n` more answers have arrived, the writers are done, or 10 s have passed. */
    async progress(n: number) {
      const target = answers.length + n
      for (let i = 0; i < 1000 && answers.length < target && finished < count; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    async stop() {
      stopped = true
      await Promise.all(loops)
    },
  }
}
