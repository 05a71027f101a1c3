import type { Kysely, Selectable } from 'kysely'
import type { RefreshTokenRecord, RefreshTokenRepository } from '../../auth/refresh-tokens.ts'
import { transactions } from './group-commit.ts'
import type { Database, RefreshTokensTable } from './schema.ts'

function toRecord(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: row.id,
    familyId: row.family_id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    scope: row.scope,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
  }
}

function toRow(r: RefreshTokenRecord): Selectable<RefreshTokensTable> {
  return {
    id: r.id,
    family_id: r.familyId,
    user_id: r.userId,
    token_hash: r.tokenHash,
    scope: r.scope,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    used_at: r.usedAt,
    revoked_at: r.revokedAt,
  }
}

export class SqlRefreshTokenRepository implements RefreshTokenRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async insert(record: RefreshTokenRecord): Promise<void> {
    await this.#db.insertInto('refresh_tokens').values(toRow(record)).execute()
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.#db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
    return row && toRecord(row)
  }

  async rotate(id: string, usedAt: string, successor: RefreshTokenRecord): Promise<boolean> {
    return transactions(this.#db).run(async (trx) => {
      const result = await trx
        .updateTable('refresh_tokens')
        .set({ used_at: usedAt })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) !== 1) return false
      await trx.insertInto('refresh_tokens').values(toRow(successor)).execute()
      return true
    })
  }

  async revokeFamily(familyId: string, at: string): Promise<void> {
    await this.#db
      .updateTable('refresh_tokens')
      .set({ revoked_at: at })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute()
  }

  async revokeUser(userId: string, at: string): Promise<void> {
    await this.#db
      .updateTable('refresh_tokens')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute()
  }
}
