// Live events over the graphql-transport-ws protocol, from the event bus (so, with Redis, from every
// instance). `notifications` are the subscriber's own only.
import type { DomainEvent } from '../../../domain/events.ts'
import { requireActor } from '../../../domain/policy.ts'
import { builder } from '../builder.ts'
import { asGraphQLError } from '../errors.ts'
import { eventStream } from './event-stream.ts'
import { ItemEventRef, ItemRef, NotificationRef } from './refs.ts'

type ItemEvent = Extract<DomainEvent, { type: `item.${string}` }>
type NotificationEvent = Extract<DomainEvent, { type: 'notification' }>

const ItemEventType = builder.enumType('ItemEventType', {
  values: {
    CREATED: { value: 'item.created' },
    UPDATED: { value: 'item.updated' },
    DELETED: { value: 'item.deleted' },
  } as const,
})

ItemEventRef.implement({
  description: 'An item was created, changed or deleted',
  fields: (t) => ({
    type: t.field({ type: ItemEventType, resolve: (e) => e.type }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    itemId: t.id({ resolve: (e) => (e.type === 'item.deleted' ? e.itemId : e.item.id) }),
    item: t.field({
      type: ItemRef,
      nullable: true,
      description: 'The item as it is now; null when deleted',
      resolve: (e) => (e.type === 'item.deleted' ? null : e.item),
    }),
  }),
})

NotificationRef.implement({
  description: 'Something you asked to be told about: the price of an item you watch changed',
  fields: (t) => ({
    kind: t.string({ resolve: (e) => e.notification.kind }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    itemId: t.id({ resolve: (e) => e.notification.itemId }),
    itemName: t.string({ resolve: (e) => e.notification.itemName }),
    oldPrice: t.field({ type: 'Money', resolve: (e) => e.notification.oldPriceCents }),
    newPrice: t.field({ type: 'Money', resolve: (e) => e.notification.newPriceCents }),
  }),
})

const ItemEventsFilter = builder.inputType('ItemEventsFilter', {
  fields: (t) => ({ itemId: t.id(), ownerId: t.id() }),
})

function isItemEvent(event: DomainEvent): event is ItemEvent {
  return event.type.startsWith('item.')
}

builder.subscriptionFields((t) => ({
  itemEvents: t.field({
    type: ItemEventRef,
    description: 'Items created, changed and deleted from now on; anyone may listen',
    args: { filter: t.arg({ type: ItemEventsFilter }) },
    subscribe: (_root, { filter }, ctx) => {
      const itemId = filter?.itemId ? String(filter.itemId).toLowerCase() : undefined
      const ownerId = filter?.ownerId ? String(filter.ownerId).toLowerCase() : undefined
      return eventStream(ctx.services.bus, (event): event is ItemEvent => {
        if (!isItemEvent(event)) return false
        const id = event.type === 'item.deleted' ? event.itemId : event.item.id
        const owner = event.type === 'item.deleted' ? event.ownerId : event.item.ownerId
        return (!itemId || id === itemId) && (!ownerId || owner === ownerId)
      })
    },
    resolve: (event) => event,
  }),
  notifications: t.field({
    type: NotificationRef,
    description: 'Your own notifications (sign in through the connection_init payload)',
    subscribe: (_root, _args, ctx) => {
      let id: string
      try {
        id = requireActor(ctx.actor).id
      } catch (error) {
        throw asGraphQLError(error)
      }
      return eventStream(
        ctx.services.bus,
        (event): event is NotificationEvent => event.type === 'notification' && event.userId === id,
      )
    },
    resolve: (event) => event,
  }),
}))
