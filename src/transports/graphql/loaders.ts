// Per-request batching: every `owner` (and every first page of `items`) asked for while one level of a
// query resolves is fetched in one query, so a page of 100 items with owners costs a constant number of
// queries, not 101.
import DataLoader from 'dataloader'
import type { Item, ItemService } from '../../domain/items.ts'
import type { User, UserService } from '../../domain/users.ts'

export interface Loaders {
  user: DataLoader<string, User | null>
  /** Key: `${ownerId}:${limit}`: the owner's newest `limit + 1` items. */
  firstItems: DataLoader<string, Item[]>
}

export function createLoaders(services: { users: UserService; items: ItemService }): Loaders {
  return {
    user: new DataLoader(async (ids) => {
      const found = await services.users.profiles(ids)
      return ids.map((id) => found.get(id.toLowerCase()) ?? null)
    }),
    firstItems: new DataLoader(async (keys) => {
      // Keys asked together almost always share their limit; group by it, one query per limit.
      const byLimit = new Map<number, string[]>()
      for (const key of keys) {
        const [owner = '', limit = '0'] = key.split(':')
        byLimit.set(Number(limit), [...(byLimit.get(Number(limit)) ?? []), owner])
      }
      const results = new Map<string, Item[]>()
      for (const [limit, owners] of byLimit) {
        const pages = await services.items.firstPagesByOwner(owners, limit)
        for (const owner of owners) results.set(`${owner}:${limit}`, pages.get(owner) ?? [])
      }
      return keys.map((key) => results.get(key) ?? [])
    }),
  }
}
