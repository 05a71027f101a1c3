// The deletes of the retention sweep (src/domain/retention.ts says what may go). Each statement removes at
// most `limit` rows picked through an index (migration 0006), so it holds its locks briefly however large the
// backlog. On PostgreSQL the rows are picked with SKIP LOCKED: two instances sweeping at once split the work
// instead of waiting on each other. Deleting a row twice deletes it once: every statement is idempotent.
import { type Kysely, sql } from 'kysely'
import type { RetentionStore } from '../../domain/retention.ts'
import type { MessageCursor } from '../../domain/rooms.ts'
import type { DatabaseKind } from './database.ts'
import type { Database } from './schema.ts'

export class SqlRetentionStore implements RetentionStore {
  readonly #db: Kysely<Database>
  readonly #postgres: boolean

  constructor(db: Kysely<Database>, kind: DatabaseKind) {
    this.#db = db
    this.#postgres = kind === 'postgres'
  }

  deleteExpiredRefreshTokens(before: string, limit: number): Promise<number> {
    return this.#deleteTokens('expires_at', before, limit)
  }

  deleteRevokedRefreshTokens(before: string, limit: number): Promise<number> {
    return this.#deleteTokens('revoked_at', before, limit)
  }

  async deleteMessagesBefore(before: string, limit: number): Promise<number> {
    let pick = this.#db.selectFrom('room_messages').select('id').where('created_at', '<', before).limit(limit)
    if (this.#postgres) pick = pick.forUpdate().skipLocked()
    const result = await this.#db.deleteFrom('room_messages').where('id', 'in', pick).executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async rooms(after: string, limit: number, since?: string): Promise<string[]> {
    if (since !== undefined) {
      // Materialised, so that the planner reads the recent messages through the created_at index rather
      // than walking the whole room index in room order.
      const { rows } = await sql<{ room: string }>`
        with recent as materialized (select room from room_messages where created_at >= ${since})
        select distinct room from recent where room > ${after} order by room limit ${limit}`.execute(this.#db)
      return rows.map((row) => row.room)
    }
    // Every room, one index seek each (a loose index scan): no pass over the messages themselves.
    const { rows } = await sql<{ room: string }>`
      with recursive r(room, n) as (
        select (select min(room) from room_messages where room > ${after}), 1
        union all
        select (select min(m.room) from room_messages m where m.room > r.room), r.n + 1
        from r where r.room is not null and r.n < ${limit}
      )
      select room from r where room is not null`.execute(this.#db)
    return rows.map((row) => row.room)
  }

  async trimPoint(room: string, keep: number): Promise<MessageCursor | undefined> {
    const row = await this.#db
      .selectFrom('room_messages')
      .select(['created_at', 'id'])
      .where('room', '=', room)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .offset(keep)
      .executeTakeFirst()
    return row && { createdAt: row.created_at, id: row.id }
  }

  async deleteRoomMessagesFrom(room: string, from: MessageCursor, limit: number): Promise<number> {
    let pick = this.#db
      .selectFrom('room_messages')
      .select('id')
      .where('room', '=', room)
      .where((eb) => eb(eb.refTuple('created_at', 'id'), '<=', eb.tuple(from.createdAt, from.id)))
      .limit(limit)
    if (this.#postgres) pick = pick.forUpdate().skipLocked()
    const result = await this.#db.deleteFrom('room_messages').where('id', 'in', pick).executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async #deleteTokens(column: 'expires_at' | 'revoked_at', before: string, limit: number): Promise<number> {
    let pick = this.#db.selectFrom('refresh_tokens').select('id').where(column, '<=', before).limit(limit)
    if (this.#postgres) pick = pick.forUpdate().skipLocked()
    const result = await this.#db.deleteFrom('refresh_tokens').where('id', 'in', pick).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
