import type { Kysely } from 'kysely'
import type { WatchRepository } from '../../domain/items.ts'
import type { Database } from './schema.ts'

export class SqlWatchRepository implements WatchRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async add(userId: string, itemId: string, at: string): Promise<void> {
    await this.#db
      .insertInto('watches')
      .values({ user_id: userId, item_id: itemId, created_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'item_id']).doNothing())
      .execute()
  }

  async remove(userId: string, itemId: string): Promise<void> {
    await this.#db.deleteFrom('watches').where('user_id', '=', userId).where('item_id', '=', itemId).execute()
  }

  async watchersOf(itemId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('watches')
      .select('user_id')
      .where('item_id', '=', itemId)
      .execute()
    return rows.map((r) => r.user_id)
  }
}
