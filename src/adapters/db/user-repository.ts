import type { Kysely, Selectable } from 'kysely'
import { ConflictError } from '../../domain/errors.ts'
import type { UserChanges, UserQuery, UserRecord, UserRepository } from '../../domain/users.ts'
import { compiled, type DirectRead } from './compiled.ts'
import { uniqueViolation } from './errors.ts'
import type { Database, UsersTable } from './schema.ts'

function toRecord(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    fullName: row.full_name,
    role: row.role,
    disabled: Boolean(row.disabled),
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function conflict(error: unknown): never {
  const column = uniqueViolation(error)
  if (column === undefined) throw error
  throw new ConflictError(`This ${column} is already taken.`, column)
}

export class SqlUserRepository implements UserRepository {
  readonly #db: Kysely<Database>
  // Every signed-in request's account check and GET /users/me.
  readonly #byId: (on: Kysely<Database>, id: string) => Promise<Selectable<UsersTable>[]>

  /** `read`: where the database offers one, the hot reads' own connection (DatabaseHandle.read). */
  constructor(db: Kysely<Database>, read?: DirectRead) {
    this.#db = db
    this.#byId = compiled(
      db,
      1,
      (id: string) => db.selectFrom('users').selectAll().where('id', '=', id),
      read,
    )
  }

  async insert(user: UserRecord): Promise<void> {
    await this.#db
      .insertInto('users')
      .values({
        id: user.id,
        username: user.username,
        email: user.email,
        full_name: user.fullName,
        role: user.role,
        disabled: user.disabled,
        password_hash: user.passwordHash,
        created_at: user.createdAt,
        updated_at: user.updatedAt,
      })
      .execute()
      .catch(conflict)
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const [row] = await this.#byId(this.#db, id)
    return row && toRecord(row)
  }

  async findByIds(ids: readonly string[]): Promise<UserRecord[]> {
    // One owner, as a GraphQL item's: the compiled read.
    if (ids.length === 1 && ids[0] !== undefined) return (await this.#byId(this.#db, ids[0])).map(toRecord)
    const rows = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute()
    return rows.map(toRecord)
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst()
    return row && toRecord(row)
  }

  async update(id: string, changes: UserChanges, updatedAt: string): Promise<UserRecord | undefined> {
    const row = await this.#db
      .updateTable('users')
      .set({
        ...(changes.email !== undefined && { email: changes.email }),
        ...(changes.fullName !== undefined && { full_name: changes.fullName }),
        ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
        ...(changes.role !== undefined && { role: changes.role }),
        ...(changes.disabled !== undefined && { disabled: changes.disabled }),
        updated_at: updatedAt,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
      .catch(conflict)
    return row && toRecord(row)
  }

  async list(query: UserQuery): Promise<UserRecord[]> {
    let select = this.#db.selectFrom('users').selectAll()
    if (query.role !== undefined) select = select.where('role', '=', query.role)
    if (query.disabled !== undefined) select = select.where('disabled', '=', query.disabled)
    if (query.after !== undefined) select = select.where('id', '>', query.after)
    const rows = await select.orderBy('id').limit(query.limit).execute()
    return rows.map(toRecord)
  }
}
