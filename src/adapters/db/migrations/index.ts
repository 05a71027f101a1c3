// Every migration, in order. Listed statically so that the same set runs from source, tests and builds.
import type { Migration } from 'kysely/migration'
import * as usersAndItems from './0001_users_and_items.ts'
import * as refreshTokens from './0002_refresh_tokens.ts'
import * as watches from './0003_watches.ts'
import * as roomMessages from './0004_room_messages.ts'
import * as itemSearch from './0005_item_search.ts'
import * as retentionIndexes from './0006_retention_indexes.ts'
import * as itemTagsColumn from './0007_item_tags_column.ts'

export const migrations: Record<string, Migration> = {
  '0001_users_and_items': usersAndItems,
  '0002_refresh_tokens': refreshTokens,
  '0003_watches': watches,
  '0004_room_messages': roomMessages,
  '0005_item_search': itemSearch,
  '0006_retention_indexes': retentionIndexes,
  '0007_item_tags_column': itemTagsColumn,
}
