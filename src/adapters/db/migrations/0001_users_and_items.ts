import { type Kysely, sql } from 'kysely'
import { columnTypes } from './types.ts'

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db)
  await db.schema
    .createTable('users')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('username', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
    .addColumn('full_name', 'varchar(200)')
    .addColumn('role', 'varchar(16)', (c) =>
      c.notNull().defaultTo('user').check(sql`role in ('user', 'admin')`),
    )
    .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('items')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('price_cents', 'integer', (c) => c.notNull().check(sql`price_cents >= 0`))
    .addColumn('description', 'text')
    // Name and description lower-cased in the application (Unicode-aware on every engine), for `q`.
    .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('owner_id', t.uuid, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('items_owner_idx').on('items').column('owner_id').execute()
  await db.schema.createIndex('items_created_idx').on('items').columns(['created_at', 'id']).execute()
  await db.schema.createIndex('items_price_idx').on('items').columns(['price_cents', 'id']).execute()
  await db.schema.createIndex('items_name_idx').on('items').columns(['name', 'id']).execute()

  await db.schema
    .createTable('item_tags')
    .addColumn('item_id', t.uuid, (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('tag', 'varchar(32)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('item_tags_pk', ['item_id', 'tag'])
    .execute()
  await db.schema.createIndex('item_tags_tag_idx').on('item_tags').columns(['tag', 'item_id']).execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('item_tags').execute()
  await db.schema.dropTable('items').execute()
  await db.schema.dropTable('users').execute()
}
