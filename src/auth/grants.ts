// The OAuth2 token endpoint's logic (RFC 6749): the password and refresh-token grants and revocation
// (RFC 7009). The HTTP shape lives in the REST transport; the decisions live here.
import { ROLE_SCOPES, SCOPES, type Scope } from '../domain/policy.ts'
import type { UserService } from '../domain/users.ts'
import type { LoginThrottle } from './login-throttle.ts'
import { RefreshTokenError, type RefreshTokenService } from './refresh-tokens.ts'
import type { TokenService } from './tokens.ts'

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'invalid_scope'

/** An RFC 6749 §5.2 error. */
export class OAuthError extends Error {
  readonly error: OAuthErrorCode
  readonly status: number
  constructor(error: OAuthErrorCode, description: string, status = 400) {
    super(description)
    this.error = error
    this.status = status
  }
}

/** Too many failed sign-ins: wait `retryAfterSeconds`. */
export class LoginThrottledError extends Error {
  readonly retryAfterSeconds: number
  constructor(retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
    super(`Too many failed sign-in attempts. Try again in ${seconds} seconds.`)
    this.retryAfterSeconds = seconds
  }
}

export interface Tokens {
  accessToken: string
  expiresIn: number
  refreshToken: string
  scope: string
}

/** Parses a space-separated `scope` parameter; undefined when the parameter was absent or empty. */
export function parseScope(scope: string | undefined): Scope[] | undefined {
  if (scope === undefined || scope.trim() === '') return undefined
  const requested = [...new Set(scope.trim().split(/ +/))]
  for (const s of requested) {
    if (!(s in SCOPES)) throw new OAuthError('invalid_scope', `Unknown scope "${s}".`)
  }
  return requested as Scope[]
}

export interface GrantLog {
  warn(details: Record<string, unknown>, message: string): void
}

export class TokenGrants {
  readonly #users: UserService
  readonly #tokens: TokenService
  readonly #refresh: RefreshTokenService
  readonly #throttle: LoginThrottle

  constructor(deps: {
    users: UserService
    tokens: TokenService
    refreshTokens: RefreshTokenService
    throttle: LoginThrottle
  }) {
    this.#users = deps.users
    this.#tokens = deps.tokens
    this.#refresh = deps.refreshTokens
    this.#throttle = deps.throttle
  }

  /** grant_type=password (RFC 6749 §4.3), behind the brute-force throttle. */
  async password(username: string, password: string, scope: string | undefined, ip: string): Promise<Tokens> {
    const requested = parseScope(scope)
    // The same wait whether or not the account exists: the throttle keys on the name as typed.
    const wait = await this.#throttle.waitMs(username, ip)
    if (wait > 0) throw new LoginThrottledError(wait)
    const user = await this.#users.checkPassword(username, password)
    if (!user) {
      await this.#throttle.failed(username, ip)
      // One answer for unknown users, wrong passwords and disabled accounts.
      throw new OAuthError('invalid_grant', 'Incorrect username or password.')
    }
    await this.#throttle.succeeded(username, ip)
    const allowed = ROLE_SCOPES[user.role]
    // Never more than the role allows; by default, all of it.
    const granted = requested ? requested.filter((s) => allowed.includes(s)) : [...allowed]
    if (granted.length === 0)
      throw new OAuthError('invalid_scope', 'None of the requested scopes can be granted.')
    const access = await this.#tokens.issue(user, granted)
    const refreshToken = await this.#refresh.issue(user.id, access.scope)
    return { accessToken: access.accessToken, expiresIn: access.expiresIn, refreshToken, scope: access.scope }
  }

  /** grant_type=refresh_token (RFC 6749 §6): rotates the refresh token; a reused one revokes its family. */
  async refresh(token: string, scope: string | undefined, log: GrantLog): Promise<Tokens> {
    const requested = parseScope(scope)
    let rotated: Awaited<ReturnType<RefreshTokenService['rotate']>>
    try {
      rotated = await this.#refresh.rotate(token, (granted) => {
        if (!requested) return granted
        const original = granted.split(' ')
        const extra = requested.find((s) => !original.includes(s))
        if (extra) throw new OAuthError('invalid_scope', `"${extra}" was not granted at sign-in.`)
        return requested.join(' ')
      })
    } catch (error) {
      if (!(error instanceof RefreshTokenError)) throw error
      if (error.reason === 'reused') {
        log.warn({ userId: error.userId }, 'refresh token reused: its family is revoked (RFC 9700 §4.14.2)')
      }
      throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked.')
    }
    let user: Awaited<ReturnType<UserService['profile']>>
    try {
      user = await this.#users.profile(rotated.userId)
    } catch {
      throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked.')
    }
    if (user.disabled) {
      await this.#refresh.revokeAllFor(user.id)
      throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked.')
    }
    // The role may have changed since sign-in: today's role bounds the scopes.
    const allowed = ROLE_SCOPES[user.role]
    const granted = rotated.scope
      .split(' ')
      .filter((s): s is Scope => (allowed as readonly string[]).includes(s))
    if (granted.length === 0)
      throw new OAuthError('invalid_scope', 'None of the granted scopes is still allowed.')
    const access = await this.#tokens.issue(user, granted)
    return {
      accessToken: access.accessToken,
      expiresIn: access.expiresIn,
      refreshToken: rotated.token,
      scope: access.scope,
    }
  }

  /** RFC 7009: revokes a refresh token and its family. Access tokens are short-lived JWTs and simply expire. */
  async revoke(token: string): Promise<void> {
    await this.#refresh.revoke(token)
  }
}
