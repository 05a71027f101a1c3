// Domain events and watches: every committed change is announced; watchers hear of price changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../src/domain/events.ts'
import { createTestApp, problem, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import { type EventRecorder, record } from '../support/events.ts'

let t: TestApp
let owner: SignedUp
let watcher: SignedUp
let other: SignedUp
let events: EventRecorder

beforeAll(async () => {
  t = await createTestApp()
  owner = await signUpAndIn(t)
  watcher = await signUpAndIn(t)
  other = await signUpAndIn(t)
  events = record(t.container.bus)
})
afterAll(async () => {
  events.stop()
  await t.close()
})

async function createItem(name = 'Teapot', price = 9.99) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/items',
    headers: owner.auth,
    payload: { name, price },
  })
  return res.json() as { id: string; version: number }
}

const watch = (who: SignedUp | undefined, id: string, method: 'PUT' | 'DELETE' = 'PUT') =>
  t.app.inject({ method, url: `/items/${id}/watch`, headers: { ...who?.auth } })

const patch = (id: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'PATCH', url: `/items/${id}`, headers: owner.auth, payload })

const notificationsFor = (user: SignedUp, itemId: string) =>
  events.events.filter(
    (e) => e.type === 'notification' && e.userId === user.id && e.notification.itemId === itemId,
  )

describe('PUT and DELETE /items/{id}/watch', () => {
  it('watch and unwatch, idempotently, with 204', async () => {
    const item = await createItem()
    expect((await watch(watcher, item.id)).statusCode).toBe(204)
    expect((await watch(watcher, item.id)).statusCode).toBe(204)
    expect((await watch(watcher, item.id, 'DELETE')).statusCode).toBe(204)
    expect((await watch(watcher, item.id, 'DELETE')).statusCode).toBe(204)
  })

  it('need a signed-in caller, an existing item and a valid id', async () => {
    const item = await createItem()
    problem(await watch(undefined, item.id), 401)
    problem(await watch(watcher, '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11'), 404)
    problem(await watch(watcher, 'not-an-id'), 422)
  })
})

describe('domain events', () => {
  it('announce a created, an updated and a deleted item, after the write', async () => {
    const item = await createItem('Kettle')
    const created = await events.next((e) => e.type === 'item.created' && e.item.id === item.id)
    expect(created).toMatchObject({
      type: 'item.created',
      item: { name: 'Kettle', priceCents: 999, version: 1 },
    })
    await patch(item.id, { name: 'Big kettle' })
    const updated = await events.next((e) => e.type === 'item.updated' && e.item.id === item.id)
    expect(updated).toMatchObject({ item: { name: 'Big kettle', version: 2 } })
    await t.app.inject({ method: 'DELETE', url: `/items/${item.id}`, headers: owner.auth })
    const deleted = await events.next((e) => e.type === 'item.deleted' && e.itemId === item.id)
    expect(deleted).toMatchObject({ ownerId: owner.id })
  })

  it('tell every watcher of a price change, once each, and nobody else', async () => {
    const item = await createItem('Samovar', 20)
    await watch(watcher, item.id)
    await watch(other, item.id)
    await watch(owner, item.id)
    await patch(item.id, { price: 17.5 })
    const heard = (await events.next(
      (e) => e.type === 'notification' && e.userId === watcher.id && e.notification.itemId === item.id,
    )) as Extract<DomainEvent, { type: 'notification' }>
    expect(heard.notification).toEqual({
      kind: 'price-changed',
      itemId: item.id,
      itemName: 'Samovar',
      oldPriceCents: 2000,
      newPriceCents: 1750,
    })
    await events.next(
      (e) => e.type === 'notification' && e.userId === other.id && e.notification.itemId === item.id,
    )
    // The one who changed the price is not told about it, and the event that carried the change came
    // in the same publish as the notifications, so nothing more is on its way.
    await events.next((e) => e.type === 'item.updated' && e.item.id === item.id && e.item.version === 2)
    expect(notificationsFor(owner, item.id)).toEqual([])
    expect(notificationsFor(watcher, item.id)).toHaveLength(1)
  })

  it('tell nobody when only the name changes, or after they stopped watching', async () => {
    const item = await createItem('Urn', 30)
    await watch(watcher, item.id)
    await patch(item.id, { name: 'Tea urn' })
    await events.next((e) => e.type === 'item.updated' && e.item.id === item.id && e.item.version === 2)
    await watch(watcher, item.id, 'DELETE')
    await patch(item.id, { price: 25 })
    await events.next((e) => e.type === 'item.updated' && e.item.id === item.id && e.item.version === 3)
    expect(notificationsFor(watcher, item.id)).toEqual([])
  })

  it('forget the watches of a deleted item', async () => {
    const item = await createItem('Cup', 2)
    await watch(watcher, item.id)
    await t.app.inject({ method: 'DELETE', url: `/items/${item.id}`, headers: owner.auth })
    const rows = await t.container.database.db
      .selectFrom('watches')
      .selectAll()
      .where('item_id', '=', item.id)
      .execute()
    expect(rows).toEqual([])
  })
})
