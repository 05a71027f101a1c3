// Room messages in the domain, on both databases: stored, then announced; history oldest first; pages of
// older messages newest first; the rules on names and text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidInputError, UnauthenticatedError } from '../../src/domain/errors.ts'
import { createTestApp, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import { record } from '../support/events.ts'

let t: TestApp
let alice: SignedUp
const actor = () => ({ id: alice.id, role: 'user' as const, scopes: ['items:read', 'items:write'] })

beforeAll(async () => {
  t = await createTestApp()
  alice = await signUpAndIn(t)
})
afterAll(() => t.close())

describe('RoomService', () => {
  it('refuses anonymous callers, bad room names and bad text', async () => {
    await expect(t.container.rooms.post(null, 'lobby', 'hi')).rejects.toBeInstanceOf(UnauthenticatedError)
    for (const room of ['', 'Lobby', 'a b', 'x'.repeat(65), 'room:x']) {
      await expect(t.container.rooms.post(actor(), room, 'hi')).rejects.toMatchObject({ pointer: '/room' })
    }
    for (const text of ['', '   ', 'x'.repeat(2001), '\ud800']) {
      const refused = t.container.rooms.post(actor(), 'lobby', text)
      await expect(refused).rejects.toBeInstanceOf(InvalidInputError)
      await expect(refused).rejects.toMatchObject({ pointer: '/text' })
    }
    await expect(t.container.rooms.post(actor(), 'lobby', '😀'.repeat(2000))).resolves.toMatchObject({
      room: 'lobby',
    })
  })

  it('stores a message, then announces it to the room', async () => {
    const events = record(t.container.bus)
    const message = await t.container.rooms.post(actor(), 'announce', 'hello')
    expect(message).toMatchObject({ room: 'announce', authorId: alice.id, authorName: alice.username })
    const event = await events.next((e) => e.type === 'message.posted' && e.message.id === message.id)
    expect(event).toEqual({ type: 'message.posted', at: message.createdAt, message })
    events.stop()
  })

  it('gives the last 50 as history, oldest first, and older pages newest first', async () => {
    const texts = Array.from({ length: 55 }, (_, i) => `m${i}`)
    for (const text of texts) await t.container.rooms.post(actor(), 'history', text)
    const history = await t.container.rooms.history(actor(), 'history')
    expect(history.map((m) => m.text)).toEqual(texts.slice(5))
    const first = await t.container.rooms.page(actor(), 'history', 20)
    expect(first.messages.map((m) => m.text)).toEqual(texts.slice(35).reverse())
    const rest = await t.container.rooms.page(actor(), 'history', 100, first.next)
    expect(rest.messages.map((m) => m.text)).toEqual(texts.slice(0, 35).reverse())
    expect(rest.next).toBeUndefined()
  })
})
