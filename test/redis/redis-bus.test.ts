// The Redis bus: what one instance publishes, every instance's listeners receive, also after Redis restarts.
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisBus } from '../../src/adapters/bus/redis-bus.ts'
import type { DomainEvent } from '../../src/domain/events.ts'
import { record } from '../support/events.ts'
import { type RedisServer, startRedisServer } from '../support/redis-server.ts'

const log = { error() {}, warn() {}, info() {} }
let server: RedisServer
const connections: Redis[] = []
const buses: RedisBus[] = []

async function instance(limits?: { perTopic: number; idleSeconds: number }): Promise<RedisBus> {
  const redis = new Redis(server.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => 50,
  })
  redis.on('error', () => {})
  await redis.connect()
  connections.push(redis)
  const bus = new RedisBus(redis, 'test:', log, limits)
  await bus.start(1000)
  buses.push(bus)
  return bus
}

beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(async () => {
  for (const bus of buses) await bus.close()
  for (const redis of connections) redis.disconnect()
  await server.stop()
})

const item = {
  id: '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11',
  name: 'Teapot',
  priceCents: 999,
  description: null,
  tags: ['tea'],
  ownerId: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f',
  version: 1,
  createdAt: '2026-11-24T18:00:00.000Z',
  updatedAt: '2026-11-24T18:00:00.000Z',
}
const at = '2026-11-24T18:00:00.000Z'
const every: DomainEvent[] = [
  { type: 'item.created', at, item },
  { type: 'item.updated', at, item: { ...item, version: 2 } },
  { type: 'item.deleted', at, itemId: item.id, ownerId: item.ownerId },
  {
    type: 'notification',
    at,
    userId: item.ownerId,
    notification: {
      kind: 'price-changed',
      itemId: item.id,
      itemName: 'Teapot',
      oldPriceCents: 999,
      newPriceCents: 750,
    },
  },
]

describe('RedisBus', () => {
  it('carries every kind of event from instance A to listeners on A and on B, unchanged', async () => {
    const [a, b] = [await instance(), await instance()]
    const [onA, onB] = [record(a), record(b)]
    await a.publish(...every)
    for (const expected of every) {
      expect(await onB.next((e) => JSON.stringify(e) === JSON.stringify(expected))).toEqual(expected)
      expect(await onA.next((e) => JSON.stringify(e) === JSON.stringify(expected))).toEqual(expected)
    }
  })

  it('delivers again once Redis is back after a restart', async () => {
    const [a, b] = [await instance(), await instance()]
    const onB = record(b)
    await server.stop()
    await a.publish(every[0] as DomainEvent) // dropped: Redis is down; must not throw
    await server.start()
    // Publish until one gets through: the connections come back on their own schedule (bounded).
    for (let i = 0; i < 100; i++) {
      await a.publish({ ...(every[2] as DomainEvent), at: `probe-${i}` } as DomainEvent)
      try {
        await onB.next((e) => e.type === 'item.deleted', 100)
        return
      } catch {}
    }
    throw new Error('no event arrived after Redis restarted')
  })

  it('lets a client that saw an event on A resume on B with what it missed, in order', async () => {
    const [a, b] = [await instance(), await instance()]
    const id = crypto.randomUUID()
    const offsets: string[] = []
    const heard = new Promise<void>((resolve) => {
      a.subscribe((event, o) => {
        if (event.type === 'item.deleted' && event.itemId === id && o[`item:${id}`]) {
          offsets.push(o[`item:${id}`] as string)
          if (offsets.length === 3) resolve()
        }
      })
    })
    for (let i = 0; i < 3; i++)
      await a.publish({ type: 'item.deleted', at: `${i}`, itemId: id, ownerId: 'o' })
    await heard
    const replay = await b.replay(`item:${id}`, offsets[0] as string, 100)
    expect(replay.complete).toBe(true)
    expect(replay.events.map((e) => e.offset)).toEqual(offsets.slice(1))
    expect(replay.events.map((e) => e.event.at)).toEqual(['1', '2'])
  })

  it('says a replay is incomplete once the stream has dropped events after the offset', async () => {
    const a = await instance({ perTopic: 10, idleSeconds: 60 })
    const id = crypto.randomUUID()
    const first = new Promise<string>((resolve) => {
      a.subscribe((event, o) => {
        if (event.type === 'item.deleted' && event.itemId === id && event.at === '0')
          resolve(o[`item:${id}`] as string)
      })
    })
    // Trimming with MAXLEN ~ drops whole stream nodes (100 entries each): write well past one.
    for (let i = 0; i < 300; i++)
      await a.publish({ type: 'item.deleted', at: `${i}`, itemId: id, ownerId: 'o' })
    expect((await a.replay(`item:${id}`, await first, 1000)).complete).toBe(false)
    expect((await a.replay(`item:${crypto.randomUUID()}`, '1-0', 10)).complete).toBe(false)
  })
})
