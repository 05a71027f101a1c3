// Column types that differ between the engines; everything else is written once for both.
import { type ColumnDataType, type Kysely, PostgresAdapter } from 'kysely'

export function columnTypes(db: Kysely<unknown>): { uuid: ColumnDataType; timestamp: ColumnDataType } {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  // SQLite keeps ISO-8601 UTC text, which sorts and compares in time order.
  return postgres ? { uuid: 'uuid', timestamp: 'timestamptz' } : { uuid: 'text', timestamp: 'text' }
}
