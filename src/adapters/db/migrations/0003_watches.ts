import type { Kysely } from 'kysely'
import { columnTypes } from './types.ts'

// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type holds
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('watches')
    .addColumn('user_id', t.uuid, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('item_id', t.uuid, (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('watches_pk', ['user_id', 'item_id'])
    .execute()
  await db.schema.createIndex('watches_item_idx').on('watches').column('item_id').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type holds
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('watches').execute()
}
