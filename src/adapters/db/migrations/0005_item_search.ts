// Indexed `q` search, keeping its meaning: a case-insensitive substring of the lower-cased search_text.
// SQLite: an FTS5 trigram index over search_text, kept in step by triggers (a phrase of three or more
// characters is a substring match). PostgreSQL: a pg_trgm GIN index that LIKE '%q%' uses as it stands.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type holds
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create extension if not exists pg_trgm`.execute(db)
    await sql`create index items_search_trgm_idx on items using gin (search_text gin_trgm_ops)`.execute(db)
    return
  }
  // External content: the index holds trigrams only and points at items by rowid. search_text is already
  // lower-cased and NFKC-normalised by the application, so the tokenizer compares it as it is.
  await sql`create virtual table items_search using fts5(
    search_text, content='items', content_rowid='rowid', tokenize='trigram case_sensitive 1'
  )`.execute(db)
  await sql`create trigger items_search_insert after insert on items begin
    insert into items_search(rowid, search_text) values (new.rowid, new.search_text);
  end`.execute(db)
  await sql`create trigger items_search_delete after delete on items begin
    insert into items_search(items_search, rowid, search_text) values ('delete', old.rowid, old.search_text);
  end`.execute(db)
  await sql`create trigger items_search_update after update of search_text on items begin
    insert into items_search(items_search, rowid, search_text) values ('delete', old.rowid, old.search_text);
    insert into items_search(rowid, search_text) values (new.rowid, new.search_text);
  end`.execute(db)
  await sql`insert into items_search(items_search) values ('rebuild')`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type holds
export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop index items_search_trgm_idx`.execute(db)
    return
  }
  for (const trigger of ['insert', 'delete', 'update']) {
    await sql.raw(`drop trigger items_search_${trigger}`).execute(db)
  }
  await sql`drop table items_search`.execute(db)
}
