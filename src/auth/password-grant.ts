// The OAuth2 resource-owner password grant (RFC 6749 §4.3): credentials and a requested scope in, tokens out.
import { ROLE_SCOPES, SCOPES, type Scope } from '../domain/policy.ts'
import type { UserService } from '../domain/users.ts'
import type { IssuedToken, TokenService } from './tokens.ts'

/** An RFC 6749 §5.2 error. */
export class OAuthError extends Error {
  readonly error:
    | 'invalid_request'
    | 'invalid_client'
    | 'invalid_grant'
    | 'unsupported_grant_type'
    | 'invalid_scope'
  readonly status: number
  constructor(error: OAuthError['error'], description: string, status = 400) {
    super(description)
    this.error = error
    this.status = status
  }
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

export class PasswordGrant {
  readonly #users: UserService
  readonly #tokens: TokenService

  constructor(users: UserService, tokens: TokenService) {
    this.#users = users
    this.#tokens = tokens
  }

  async grant(username: string, password: string, scope: string | undefined): Promise<IssuedToken> {
    const requested = parseScope(scope)
    const user = await this.#users.authenticate(username, password)
    // One answer for unknown users, wrong passwords and disabled accounts.
    if (!user) throw new OAuthError('invalid_grant', 'Incorrect username or password.')
    const allowed = ROLE_SCOPES[user.role]
    // Never more than the role allows; by default, all of it.
    const granted = requested ? requested.filter((s) => allowed.includes(s)) : [...allowed]
    if (granted.length === 0)
      throw new OAuthError('invalid_scope', 'None of the requested scopes can be granted.')
    return this.#tokens.issue(user, granted)
  }
}
