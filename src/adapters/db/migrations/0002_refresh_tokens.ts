import type { Kysely } from 'kysely'
import { columnTypes } from './types.ts'

// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type holds
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('family_id', t.uuid, (c) => c.notNull())
    .addColumn('user_id', t.uuid, (c) => c.notNull().references('users.id').onDelete('cascade'))
    // SHA-256 of the token: a stolen database holds no usable refresh token.
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('scope', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('used_at', t.timestamp)
    .addColumn('revoked_at', t.timestamp)
    .execute()
  await db.schema.createIndex('refresh_tokens_family_idx').on('refresh_tokens').column('family_id').execute()
  await db.schema.createIndex('refresh_tokens_user_idx').on('refresh_tokens').column('user_id').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type holds
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('refresh_tokens').execute()
}
