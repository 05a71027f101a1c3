import type { Kysely } from 'kysely'
import type { MessageCursor, RoomMessage, RoomMessageRepository } from '../../domain/rooms.ts'
import type { Database } from './schema.ts'

export class SqlRoomMessageRepository implements RoomMessageRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async insert(message: Omit<RoomMessage, 'authorName'>): Promise<void> {
    await this.#db
      .insertInto('room_messages')
      .values({
        id: message.id,
        room: message.room,
        author_id: message.authorId,
        text: message.text,
        created_at: message.createdAt,
      })
      .execute()
  }

  async newest(room: string, limit: number, before?: MessageCursor): Promise<RoomMessage[]> {
    let query = this.#db
      .selectFrom('room_messages as m')
      .innerJoin('users as u', 'u.id', 'm.author_id')
      .select(['m.id', 'm.room', 'm.author_id', 'u.username', 'm.text', 'm.created_at'])
      .where('m.room', '=', room)
    if (before) {
      query = query.where((eb) =>
        eb.or([
          eb('m.created_at', '<', before.createdAt),
          eb.and([eb('m.created_at', '=', before.createdAt), eb('m.id', '<', before.id)]),
        ]),
      )
    }
    const rows = await query.orderBy('m.created_at', 'desc').orderBy('m.id', 'desc').limit(limit).execute()
    return rows.map((row) => ({
      id: row.id,
      room: row.room,
      authorId: row.author_id,
      authorName: row.username,
      text: row.text,
      createdAt: row.created_at,
    }))
  }
}
