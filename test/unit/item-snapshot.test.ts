// Item events carry a payload type of their own: a field added to Item goes out over the bus (and Redis)
// only when ItemSnapshot names it.
import { describe, expect, it } from 'vitest'
import { type Item, itemSnapshot } from '../../src/domain/items.ts'

describe('itemSnapshot', () => {
  it('copies the public fields one by one, and nothing else an Item carries', () => {
    const fields = {
      id: '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11',
      name: 'Teapot',
      priceCents: 999,
      description: null,
      tags: ['tea'],
      ownerId: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f',
      version: 3,
      createdAt: '2026-11-24T18:00:00.000Z',
      updatedAt: '2026-11-25T18:00:00.000Z',
    }
    const item = { ...fields, internalNote: 'not for the bus' } as Item
    expect(itemSnapshot(item)).toEqual(fields)
  })
})
