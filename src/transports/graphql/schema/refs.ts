// The object types, declared before they are implemented, so that users.ts and items.ts can refer to
// each other's types without importing each other.
import type { DomainEvent, ItemSnapshot } from '../../../domain/events.ts'
import type { User } from '../../../domain/users.ts'
import { builder } from '../builder.ts'
import { connection } from './connections.ts'

export const UserRef = builder.objectRef<User>('User')
// What anyone may read of an item: a loaded Item, or the snapshot an item event carries.
export const ItemRef = builder.objectRef<ItemSnapshot>('Item')
export const UserConnection = connection('User', UserRef)
export const ItemConnection = connection('Item', ItemRef)
export const ItemEventRef = builder.objectRef<Extract<DomainEvent, { type: `item.${string}` }>>('ItemEvent')
export const NotificationRef =
  builder.objectRef<Extract<DomainEvent, { type: 'notification' }>>('Notification')
