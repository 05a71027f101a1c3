// Accounts: sign-up, sign-in, profiles. Field rules are in src/domain/fields.ts, with every other field's.
import { v7 as uuidv7 } from 'uuid'
import type { MaybeActor, Role } from './actor.ts'
import { check } from './check.ts'
import { ForbiddenError, InvalidInputError, NotFoundError, UnauthenticatedError } from './errors.ts'
import { CurrentPassword, Email, FullName, PAGE, PageLimit, Password, Username, Uuid } from './fields.ts'
import { normaliseId } from './ids.ts'
import { assertCanManageUsers, isAdmin, requireActor } from './policy.ts'

const USERNAME_RE = new RegExp(Username.pattern, 'u')

export interface User {
  id: string
  username: string
  email: string
  fullName: string | null
  role: Role
  disabled: boolean
  createdAt: string
  updatedAt: string
}

export interface UserRecord extends User {
  passwordHash: string
}

export type UserChanges = Partial<
  Pick<UserRecord, 'email' | 'fullName' | 'passwordHash' | 'role' | 'disabled'>
>

export interface UserRepository {
  /** Throws ConflictError when the username or email is taken. */
  insert(user: UserRecord): Promise<void>
  findById(id: string): Promise<UserRecord | undefined>
  findByUsername(username: string): Promise<UserRecord | undefined>
  findByIds(ids: readonly string[]): Promise<UserRecord[]>
  /** Throws ConflictError when a new email is taken; undefined when the user does not exist. */
  update(id: string, changes: UserChanges, updatedAt: string): Promise<UserRecord | undefined>
  /** Users in id (creation) order, after the cursor id. */
  list(query: UserQuery): Promise<UserRecord[]>
}

export interface UserQuery {
  role?: Role
  disabled?: boolean
  after?: string
  limit: number
}

export interface PasswordHasher {
  hash(password: string): Promise<string>
  verify(hash: string, password: string): Promise<boolean>
  /** True when a hash was made with other parameters than new hashes get. */
  needsRehash?(hash: string): boolean
}

/** Sign-ins that outlive an access token (refresh tokens); a user's can all be ended at once. */
export interface Sessions {
  endAll(userId: string): Promise<void>
}

export interface SignUpInput {
  username: string
  email: string
  password: string
  fullName?: string | null
}

export interface UpdateMeInput {
  email?: string
  fullName?: string | null
  password?: string
  currentPassword?: string
}

export interface AdminUpdateInput {
  role?: Role
  disabled?: boolean
}

export interface ListUsersInput {
  role?: Role
  disabled?: boolean
  after?: string
  limit?: number
}

export interface UserPage {
  users: User[]
  /** Id to pass as `after` for the next page, when there is one. */
  next: string | undefined
}

export interface UserServiceDeps {
  users: UserRepository
  hasher: PasswordHasher
  sessions: Sessions
  allowSignup: boolean
  now?: () => Date
}

function checkFullName(fullName: string | null | undefined): void {
  if (fullName != null) check(FullName, fullName, '/full_name')
}

/** What anyone may see of an account. */
export function publicProfile(user: User): Pick<User, 'id' | 'username' | 'fullName' | 'createdAt'> {
  return { id: user.id, username: user.username, fullName: user.fullName, createdAt: user.createdAt }
}

function withoutHash({ passwordHash: _, ...user }: UserRecord): User {
  return user
}

export class UserService {
  readonly #users: UserRepository
  readonly #hasher: PasswordHasher
  readonly #sessions: Sessions
  readonly #allowSignup: boolean
  readonly #now: () => Date
  #dummyHash: Promise<string> | undefined

  constructor(deps: UserServiceDeps) {
    this.#users = deps.users
    this.#hasher = deps.hasher
    this.#sessions = deps.sessions
    this.#allowSignup = deps.allowSignup
    this.#now = deps.now ?? (() => new Date())
  }

  async signUp(actor: MaybeActor, input: SignUpInput): Promise<User> {
    if (!this.#allowSignup && !isAdmin(actor)) throw new ForbiddenError('Sign-up is closed on this server.')
    return this.create(input, 'user')
  }

  /** Creates an account with any role: for operators' tools, which act outside any signed-in session. */
  async create(input: SignUpInput, role: Role): Promise<User> {
    check(Username, input.username, '/username')
    check(Email, input.email, '/email')
    check(Password, input.password, '/password')
    checkFullName(input.fullName)
    const username = input.username.toLowerCase()
    const now = this.#now().toISOString()
    const record: UserRecord = {
      id: uuidv7(),
      username,
      email: input.email.toLowerCase(),
      fullName: input.fullName ?? null,
      role,
      disabled: false,
      passwordHash: await this.#hasher.hash(input.password),
      createdAt: now,
      updatedAt: now,
    }
    await this.#users.insert(record)
    return withoutHash(record)
  }

  /**
   * Checks a username and password. Unknown users, wrong passwords and disabled accounts all give
   * null, after the same amount of hashing work, so that the answer reveals nothing.
   */
  async checkPassword(username: string, password: string): Promise<User | null> {
    const name = username.toLowerCase()
    // A name that cannot exist is not looked up, but costs the same hashing work as one that could.
    const record = USERNAME_RE.test(name) ? await this.#users.findByUsername(name) : undefined
    if (!record) {
      this.#dummyHash ??= this.#hasher.hash('trestle-timing-equaliser')
      await this.#hasher.verify(await this.#dummyHash, password)
      return null
    }
    const valid = await this.#hasher.verify(record.passwordHash, password)
    if (!valid || record.disabled) return null
    if (this.#hasher.needsRehash?.(record.passwordHash)) {
      // The password is at hand only now: bring its hash up to today's parameters.
      const passwordHash = await this.#hasher.hash(password)
      await this.#users.update(record.id, { passwordHash }, record.updatedAt)
    }
    return withoutHash(record)
  }

  /** The signed-in caller's own account; a deleted or disabled account is no longer signed in. */
  async me(actor: MaybeActor): Promise<User> {
    const { id } = requireActor(actor)
    const record = await this.#users.findById(id)
    if (!record || record.disabled)
      throw new UnauthenticatedError('This account no longer exists or is disabled.')
    return withoutHash(record)
  }

  async updateMe(actor: MaybeActor, input: UpdateMeInput): Promise<User> {
    const { id } = requireActor(actor)
    if (input.email !== undefined) check(Email, input.email, '/email')
    checkFullName(input.fullName)
    if (input.password !== undefined) check(Password, input.password, '/password')
    if (input.currentPassword !== undefined)
      check(CurrentPassword, input.currentPassword, '/current_password')
    const record = await this.#users.findById(id)
    if (!record || record.disabled)
      throw new UnauthenticatedError('This account no longer exists or is disabled.')
    const changes: UserChanges = {}
    if (input.email !== undefined) changes.email = input.email.toLowerCase()
    if (input.fullName !== undefined) changes.fullName = input.fullName
    if (input.password !== undefined) {
      if (input.currentPassword === undefined) {
        throw new InvalidInputError('/current_password', 'is required to change the password')
      }
      if (!(await this.#hasher.verify(record.passwordHash, input.currentPassword))) {
        throw new InvalidInputError('/current_password', 'is not the current password')
      }
      changes.passwordHash = await this.#hasher.hash(input.password)
    }
    if (Object.keys(changes).length === 0) return withoutHash(record)
    const updated = await this.#users.update(id, changes, this.#now().toISOString())
    if (!updated) throw new UnauthenticatedError('This account no longer exists.')
    // Whoever else knew the old password is signed out too.
    if (changes.passwordHash) await this.#sessions.endAll(id)
    return withoutHash(updated)
  }

  /** Admins: page through accounts, optionally by role or disabled flag. */
  async list(actor: MaybeActor, input: ListUsersInput): Promise<UserPage> {
    assertCanManageUsers(actor)
    if (input.limit !== undefined) check(PageLimit, input.limit, '/limit')
    if (input.after !== undefined) check(Uuid, input.after, '/cursor')
    const limit = input.limit ?? PAGE.defaultLimit
    const after = input.after?.toLowerCase()
    const rows = await this.#users.list({
      limit: limit + 1,
      ...(input.role !== undefined && { role: input.role }),
      ...(input.disabled !== undefined && { disabled: input.disabled }),
      ...(after !== undefined && { after }),
    })
    const users = rows.slice(0, limit).map(withoutHash)
    return { users, next: rows.length > limit ? users.at(-1)?.id : undefined }
  }

  /** Admins: change an account's role or disable it. Either signs the account out everywhere. */
  async adminUpdate(actor: MaybeActor, id: string, input: AdminUpdateInput): Promise<User> {
    const admin = assertCanManageUsers(actor)
    const target = await this.profile(id)
    if (target.id === admin.id && (input.role !== undefined || input.disabled !== undefined)) {
      throw new ForbiddenError(
        'Admins cannot change their own role or disable themselves; ask another admin.',
      )
    }
    const changes: UserChanges = {}
    if (input.role !== undefined && input.role !== target.role) changes.role = input.role
    if (input.disabled !== undefined && input.disabled !== target.disabled) changes.disabled = input.disabled
    if (Object.keys(changes).length === 0) return target
    const updated = await this.#users.update(target.id, changes, this.#now().toISOString())
    if (!updated) throw new NotFoundError('User', id)
    await this.#sessions.endAll(target.id)
    return withoutHash(updated)
  }

  /** Ends every sign-in of an account: its own user or an admin may. */
  async signOutEverywhere(actor: MaybeActor, id: string): Promise<void> {
    const caller = requireActor(actor)
    const target = await this.profile(id)
    if (target.id !== caller.id) assertCanManageUsers(actor)
    await this.#sessions.endAll(target.id)
  }

  /** Many accounts in one query (for batched loading); unknown ids are simply absent. */
  async profiles(ids: readonly string[]): Promise<Map<string, User>> {
    const valid = ids.map(normaliseId).filter((id): id is string => id !== undefined)
    const records = valid.length > 0 ? await this.#users.findByIds([...new Set(valid)]) : []
    return new Map(records.map((r) => [r.id, withoutHash(r)]))
  }

  async profile(id: string): Promise<User> {
    const canonical = normaliseId(id)
    const record = canonical && (await this.#users.findById(canonical))
    if (!record) throw new NotFoundError('User', id)
    return withoutHash(record)
  }
}
