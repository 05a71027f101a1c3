// Turns a bearer token into the acting user. The signature proves who the token was issued to; the account
// itself decides what it may still do: a disabled or deleted account is refused, and the role and scopes are
// today's, not those at sign-in. The account status is cached briefly, as checking it is a query.
import { LRUCache } from 'lru-cache'
import type { Actor } from '../domain/actor.ts'
import { ROLE_SCOPES } from '../domain/policy.ts'
import type { UserRecord } from '../domain/users.ts'
import { InvalidTokenError, type TokenService } from './tokens.ts'

interface AccountStatus {
  role: UserRecord['role']
  active: boolean
}

// Accounts remembered: the most recently active ones, each for the TTL.
const CACHE_LIMIT = 10_000

export class Authenticator {
  readonly #tokens: TokenService
  readonly #findUser: (id: string) => Promise<UserRecord | undefined>
  readonly #accounts: LRUCache<string, AccountStatus> | undefined
  readonly #loading = new Map<string, Promise<AccountStatus>>()

  constructor(
    tokens: TokenService,
    findUser: (id: string) => Promise<UserRecord | undefined>,
    ttlSeconds: number,
  ) {
    this.#tokens = tokens
    this.#findUser = findUser
    this.#accounts = ttlSeconds > 0 ? new LRUCache({ max: CACHE_LIMIT, ttl: ttlSeconds * 1000 }) : undefined
  }

  /** The actor a bearer token speaks for; InvalidTokenError when the token or its account is no good. */
  async actorFor(token: string): Promise<Actor> {
    const claimed = await this.#tokens.verify(token)
    const account = await this.#status(claimed.id)
    if (!account.active) throw new InvalidTokenError('account disabled or deleted')
    return acting(claimed, account)
  }

  /**
   * The actor, when this instance already knows both the token and its active account: the same answer as
   * `actorFor`, without a promise. Undefined means ask `actorFor` (which may refuse).
   */
  knownActor(token: string): Actor | undefined {
    const claimed = this.#tokens.verified(token)
    const account = claimed && this.#accounts?.get(claimed.id)
    return claimed && account?.active ? acting(claimed, account) : undefined
  }

  /** Drops what this instance knows of an account, after a change to it. */
  forget(userId: string): void {
    this.#accounts?.delete(userId)
  }

  #status(userId: string): Promise<AccountStatus> {
    const cached = this.#accounts?.get(userId)
    if (cached) return Promise.resolve(cached)
    // Concurrent checks of one account (a user's many connections, a burst of requests) share one query.
    let loading = this.#loading.get(userId)
    if (!loading) {
      loading = this.#load(userId).finally(() => this.#loading.delete(userId))
      this.#loading.set(userId, loading)
    }
    return loading
  }

  async #load(userId: string): Promise<AccountStatus> {
    const user = await this.#findUser(userId)
    const status: AccountStatus = { role: user?.role ?? 'user', active: user !== undefined && !user.disabled }
    this.#accounts?.set(userId, status)
    return status
  }
}

// Today's role and the scopes it still allows, not those at sign-in.
function acting(claimed: Actor, account: AccountStatus): Actor {
  const allowed = ROLE_SCOPES[account.role]
  return {
    id: claimed.id,
    role: account.role,
    scopes: claimed.scopes.filter((s) => (allowed as readonly string[]).includes(s)),
  }
}
