// Refresh tokens (RFC 6749 §6, RFC 9700 §4.14.2): opaque, stored only as a hash, rotated on every use.
// A rotated token presented again means two parties hold the family: the whole family is revoked.
import { createHash, randomBytes } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

export interface RefreshTokenRecord {
  id: string
  familyId: string
  userId: string
  tokenHash: string
  scope: string
  createdAt: string
  expiresAt: string
  usedAt: string | null
  revokedAt: string | null
}

export interface RefreshTokenRepository {
  insert(record: RefreshTokenRecord): Promise<void>
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>
  /**
   * Marks `used` the token with this id and inserts its successor, atomically; false (and nothing written)
   * when the token was already used or revoked, which makes concurrent rotations of one token lose but one.
   */
  rotate(id: string, usedAt: string, successor: RefreshTokenRecord): Promise<boolean>
  revokeFamily(familyId: string, at: string): Promise<void>
  revokeUser(userId: string, at: string): Promise<void>
}

/** Why a refresh token was not accepted; the token endpoint answers invalid_grant for all of them. */
export type RefreshFailure = 'unknown' | 'expired' | 'revoked' | 'reused'

export class RefreshTokenError extends Error {
  readonly reason: RefreshFailure
  readonly userId: string | undefined
  constructor(reason: RefreshFailure, userId?: string) {
    super(`refresh token ${reason}`)
    this.reason = reason
    this.userId = userId
  }
}

export interface Rotated {
  userId: string
  scope: string
  token: string
}

const PREFIX = 'rt_'

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export class RefreshTokenService {
  readonly #repo: RefreshTokenRepository
  readonly #ttlSeconds: number
  readonly #now: () => Date

  constructor(repo: RefreshTokenRepository, ttlSeconds: number, now: () => Date = () => new Date()) {
    this.#repo = repo
    this.#ttlSeconds = ttlSeconds
    this.#now = now
  }

  /** Starts a new family (a sign-in); it expires `ttlSeconds` from now, however often it is rotated. */
  async issue(userId: string, scope: string): Promise<string> {
    const now = this.#now()
    const expiresAt = new Date(now.getTime() + this.#ttlSeconds * 1000).toISOString()
    const { token, record } = this.#mint(userId, scope, uuidv7(), now.toISOString(), expiresAt)
    await this.#repo.insert(record)
    return token
  }

  /**
   * Exchanges a refresh token for its successor. Throws RefreshTokenError when the token is unknown, expired
   * or revoked, and when it was already used, after revoking its whole family.
   */
  async rotate(token: string, scope?: (granted: string) => string): Promise<Rotated> {
    const record = await this.#repo.findByHash(hashToken(token))
    if (!record) throw new RefreshTokenError('unknown')
    const now = this.#now().toISOString()
    if (record.revokedAt) throw new RefreshTokenError('revoked', record.userId)
    if (record.usedAt) {
      await this.#repo.revokeFamily(record.familyId, now)
      throw new RefreshTokenError('reused', record.userId)
    }
    if (record.expiresAt <= now) throw new RefreshTokenError('expired', record.userId)
    const newScope = scope ? scope(record.scope) : record.scope
    const next = this.#mint(record.userId, newScope, record.familyId, now, record.expiresAt)
    if (!(await this.#repo.rotate(record.id, now, next.record))) {
      // Another request rotated it first: the same token was presented twice.
      await this.#repo.revokeFamily(record.familyId, now)
      throw new RefreshTokenError('reused', record.userId)
    }
    return { userId: record.userId, scope: newScope, token: next.token }
  }

  /** Revokes the family of a token (RFC 7009); unknown tokens are ignored. */
  async revoke(token: string): Promise<void> {
    const record = await this.#repo.findByHash(hashToken(token))
    if (record) await this.#repo.revokeFamily(record.familyId, this.#now().toISOString())
  }

  /** Signs a user out everywhere: every refresh token of theirs stops working. */
  async revokeAllFor(userId: string): Promise<void> {
    await this.#repo.revokeUser(userId, this.#now().toISOString())
  }

  #mint(userId: string, scope: string, familyId: string, createdAt: string, expiresAt: string) {
    const token = PREFIX + randomBytes(32).toString('base64url')
    const record: RefreshTokenRecord = {
      id: uuidv7(),
      familyId,
      userId,
      tokenHash: hashToken(token),
      scope,
      createdAt,
      expiresAt,
      usedAt: null,
      revokedAt: null,
    }
    return { token, record }
  }
}
