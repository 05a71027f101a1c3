// Indexes the retention sweep (src/adapters/db/retention-store.ts) picks its rows through, so that a batch
// reads only the rows it deletes. Revoked tokens are few: their index holds those rows only.
import type { Kysely } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type holds
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('refresh_tokens_expires_idx')
    .on('refresh_tokens')
    .column('expires_at')
    .execute()
  await db.schema
    .createIndex('refresh_tokens_revoked_idx')
    .on('refresh_tokens')
    .column('revoked_at')
    .where('revoked_at', 'is not', null)
    .execute()
  await db.schema.createIndex('room_messages_created_idx').on('room_messages').column('created_at').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type holds
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('room_messages_created_idx').execute()
  await db.schema.dropIndex('refresh_tokens_revoked_idx').execute()
  await db.schema.dropIndex('refresh_tokens_expires_idx').execute()
}
