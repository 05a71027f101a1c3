// The in-process bus: every listener gets every event, later, and a failing listener harms no one.
import { describe, expect, it } from 'vitest'
import { MemoryBus } from '../../src/adapters/bus/memory-bus.ts'
import type { DomainEvent } from '../../src/domain/events.ts'

const event: DomainEvent = { type: 'item.deleted', at: '2026-11-24T18:00:00.000Z', itemId: 'i', ownerId: 'o' }
const errors: unknown[] = []
const log = { error: (details: Record<string, unknown>) => void errors.push(details) }

function received(bus: MemoryBus) {
  const got: DomainEvent[] = []
  const stop = bus.subscribe((e) => got.push(e))
  return { got, stop }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('MemoryBus', () => {
  it('delivers every event to every listener, after publish returns', async () => {
    const bus = new MemoryBus(log)
    const [a, b] = [received(bus), received(bus)]
    await bus.publish(event, event)
    expect(a.got).toEqual([])
    await tick()
    expect(a.got).toEqual([event, event])
    expect(b.got).toEqual([event, event])
  })

  it('stops delivering to a listener that unsubscribed', async () => {
    const bus = new MemoryBus(log)
    const a = received(bus)
    a.stop()
    await bus.publish(event)
    await tick()
    expect(a.got).toEqual([])
  })

  it('keeps delivering to the others when a listener throws, and logs it', async () => {
    const bus = new MemoryBus(log)
    bus.subscribe(() => {
      throw new Error('listener bug')
    })
    const b = received(bus)
    await bus.publish(event)
    await tick()
    expect(b.got).toEqual([event])
    expect(errors).toHaveLength(1)
  })

  it('delivers nothing once closed', async () => {
    const bus = new MemoryBus(log)
    const a = received(bus)
    await bus.close()
    await bus.publish(event)
    await tick()
    expect(a.got).toEqual([])
  })
})
