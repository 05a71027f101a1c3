import type { Kysely } from 'kysely'
import { columnTypes } from './types.ts'

// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type holds
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('room_messages')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('room', 'varchar(64)', (c) => c.notNull())
    .addColumn('author_id', t.uuid, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute()
  // A room's newest messages first, and pages further back, read from one index.
  await db.schema
    .createIndex('room_messages_room_idx')
    .on('room_messages')
    .columns(['room', 'created_at desc', 'id desc'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type holds
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('room_messages').execute()
}
