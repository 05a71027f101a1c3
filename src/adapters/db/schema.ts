// Table shapes as the database stores them (snake_case, cents, ISO-8601 UTC strings).
import type { ColumnType, Generated } from 'kysely'

export interface UsersTable {
  id: string
  username: string
  email: string
  full_name: string | null
  role: 'user' | 'admin'
  // SQLite stores booleans as 0/1.
  disabled: boolean | number
  password_hash: string
  created_at: string
  updated_at: string
}

export interface ItemsTable {
  id: string
  name: string
  price_cents: number
  description: string | null
  search_text: string
  // The tags in order as a JSON array, as item_tags holds them: text on SQLite, jsonb (read as an array) on
  // PostgreSQL. Written as JSON text.
  tags: ColumnType<string | string[], string | undefined, string>
  owner_id: string
  version: number
  created_at: string
  updated_at: string
}

export interface ItemTagsTable {
  item_id: string
  tag: string
  position: Generated<number>
}

export interface RefreshTokensTable {
  id: string
  family_id: string
  user_id: string
  token_hash: string
  scope: string
  created_at: string
  expires_at: string
  used_at: string | null
  revoked_at: string | null
}

export interface WatchesTable {
  user_id: string
  item_id: string
  created_at: string
}

export interface RoomMessagesTable {
  id: string
  room: string
  author_id: string
  text: string
  created_at: string
}

export interface Database {
  users: UsersTable
  items: ItemsTable
  item_tags: ItemTagsTable
  refresh_tokens: RefreshTokensTable
  watches: WatchesTable
  room_messages: RoomMessagesTable
}
