// Access tokens: short-lived JWTs signed with the key ring, verified with a small cache of good tokens.
import { randomUUID } from 'node:crypto'
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import { LRUCache } from 'lru-cache'
import type { Actor, Role } from '../domain/actor.ts'
import { ROLE_SCOPES, type Scope } from '../domain/policy.ts'
import { ALGORITHM, type KeyRing } from './keys.ts'

export interface TokenSettings {
  issuer: string
  audience: string
  /** Seconds. */
  accessTokenTtl: number
}

export interface IssuedToken {
  accessToken: string
  expiresIn: number
  scope: string
}

/** The token is missing a part, forged, expired or not for this server. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError'
}

// Tokens remembered as verified: the most recently used, each until it expires.
const CACHE_LIMIT = 10_000

export class TokenService {
  readonly #keys: KeyRing
  readonly #settings: TokenSettings
  // Signature checks dominate an authenticated request; a token proven good stays good until it expires.
  readonly #verified = new LRUCache<string, Actor>({ max: CACHE_LIMIT })

  constructor(keys: KeyRing, settings: TokenSettings) {
    this.#keys = keys
    this.#settings = settings
  }

  async issue(user: { id: string; role: Role }, scopes: readonly Scope[]): Promise<IssuedToken> {
    const scope = scopes.join(' ')
    const accessToken = await new SignJWT({ scope, role: user.role })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.#keys.signing.kid, typ: 'at+jwt' })
      .setIssuer(this.#settings.issuer)
      .setAudience(this.#settings.audience)
      .setSubject(user.id)
      .setIssuedAt()
      .setExpirationTime(`${this.#settings.accessTokenTtl}s`)
      .setJti(randomUUID())
      .sign(this.#keys.signing.privateKey)
    return { accessToken, expiresIn: this.#settings.accessTokenTtl, scope }
  }

  /** The actor of a token this instance has verified and that has not expired since; no promise. */
  verified(token: string): Actor | undefined {
    return this.#verified.get(token)
  }

  /** The actor a token speaks for; throws InvalidTokenError for any token this server would not accept. */
  async verify(token: string): Promise<Actor> {
    const cached = this.#verified.get(token)
    if (cached) return cached

    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload']
    try {
      ;({ payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid === undefined ? undefined : this.#keys.verifying.get(header.kid)
          if (!key) throw new InvalidTokenError('unknown signing key')
          return key
        },
        {
          algorithms: [ALGORITHM],
          issuer: this.#settings.issuer,
          audience: this.#settings.audience,
          typ: 'at+jwt',
          requiredClaims: ['sub', 'exp', 'iat'],
        },
      ))
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error
      if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError(error.code)
      throw error
    }
    const actor = actorFromClaims(payload)
    const ttl = (payload.exp ?? 0) * 1000 - Date.now()
    if (ttl > 0) this.#verified.set(token, actor, { ttl })
    return actor
  }
}

function actorFromClaims(payload: Record<string, unknown>): Actor {
  const { sub, role, scope } = payload
  if (typeof sub !== 'string' || (role !== 'user' && role !== 'admin') || typeof scope !== 'string') {
    throw new InvalidTokenError('malformed claims')
  }
  const allowed = ROLE_SCOPES[role]
  const scopes = scope.split(' ').filter((s): s is Scope => (allowed as readonly string[]).includes(s))
  return { id: sub, role, scopes }
}
