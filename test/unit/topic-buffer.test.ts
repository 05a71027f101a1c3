// Resuming in process: offsets grow within a topic, a replay returns what came after one, and a replay that
// cannot be complete (dropped events, another process's offset) says so.
import { describe, expect, it } from 'vitest'
import { TopicBuffer } from '../../src/adapters/bus/topic-buffer.ts'
import type { DomainEvent } from '../../src/domain/events.ts'

const at = '2026-11-24T18:00:00.000Z'
const deleted = (itemId: string): DomainEvent => ({ type: 'item.deleted', at, itemId, ownerId: 'o' })

describe('TopicBuffer', () => {
  it('numbers each event in each of its topics and replays what came after an offset', () => {
    const buffer = new TopicBuffer({ perTopic: 10, total: 100 })
    const first = buffer.append(deleted('a'))
    buffer.append(deleted('b'))
    buffer.append(deleted('a'))
    expect(Object.keys(first)).toEqual(['items', 'item:a'])
    const items = buffer.replay('items', first.items as string, 10)
    expect(items.complete).toBe(true)
    expect(items.events.map((e) => (e.event as { itemId: string }).itemId)).toEqual(['b', 'a'])
    const a = buffer.replay('item:a', first['item:a'] as string, 10)
    expect(a.events).toHaveLength(1)
    expect(a.events[0]?.offset).toBe(
      items.events[1]?.offset.replace(/-\d+$/, `-${a.events[0]?.offset.split('-')[1]}`),
    )
  })

  it('says a replay is incomplete once events after the offset were dropped', () => {
    const buffer = new TopicBuffer({ perTopic: 2, total: 100 })
    const first = buffer.append(deleted('a'))
    buffer.append(deleted('a'))
    buffer.append(deleted('a'))
    buffer.append(deleted('a'))
    expect(buffer.replay('items', first.items as string, 10)).toMatchObject({ complete: false })
  })

  it('says a replay is incomplete for another process’s offset or a malformed one', () => {
    const buffer = new TopicBuffer()
    buffer.append(deleted('a'))
    expect(buffer.replay('items', '1-1', 10).complete).toBe(false)
    expect(buffer.replay('items', 'garbage', 10).complete).toBe(false)
  })

  it('forgets the least recently written topics past the total, and says so to a client resuming one', () => {
    const buffer = new TopicBuffer({ perTopic: 10, total: 4 })
    const first = buffer.append(deleted('a'))
    for (const id of ['b', 'c', 'd', 'e']) buffer.append(deleted(id))
    expect(buffer.replay('item:a', first['item:a'] as string, 10).complete).toBe(false)
  })
})
