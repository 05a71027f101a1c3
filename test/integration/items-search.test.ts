// Items, searching: `q`, price, owner and tag filters alone and together on every database: what a search
// finds, what it refuses, and that it follows edits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { searchable } from '../../src/domain/search.ts'
import { createTestApp, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import { invalid, itemCalls, type Query } from '../support/items.ts'

let t: TestApp
let bob: SignedUp

beforeAll(async () => {
  t = await createTestApp()
  bob = await signUpAndIn(t)
})
afterAll(() => t.close())

const { create, list, patch, page, names, walk } = itemCalls(() => t)

describe('GET /items: filters', () => {
  let owner: SignedUp

  beforeAll(async () => {
    owner = await signUpAndIn(t)
    await create(owner, { name: 'Blue Mug', price: 4.5, tags: ['Kitchen', 'mug'] })
    await create(owner, { name: 'mug rack', price: 12, tags: ['kitchen'] })
    await create(owner, { name: 'Plate', price: 7, description: 'Goes with the MUG' })
    await create(owner, { name: '50% off voucher', price: 1 })
    await create(owner, { name: '5000 piece puzzle', price: 25, tags: ['toy'] })
    await create(owner, { name: 'snake_case sign', price: 2.5 })
    await create(owner, { name: 'snakeXcase sign', price: 2.5 })
    await create(bob, { name: 'Bob’s mug', price: 4.5, tags: ['kitchen'] })
  })

  // Created order keeps the expectations independent of the database's collation.
  const mine = (query: Query) => names({ owner: owner.id, sort: 'created_at', ...query })

  it('q finds a case-insensitive substring of the name or the description', async () => {
    expect(await mine({ q: 'MUG' })).toEqual(['Blue Mug', 'mug rack', 'Plate'])
    expect(await mine({ q: 'rAcK' })).toEqual(['mug rack'])
    expect(await mine({ q: 'nothing like it' })).toEqual([])
  })

  it('q takes % and _ literally', async () => {
    expect(await mine({ q: '50%' })).toEqual(['50% off voucher'])
    expect(await mine({ q: '%' })).toEqual(['50% off voucher'])
    expect(await mine({ q: 'snake_case' })).toEqual(['snake_case sign'])
    expect(await mine({ q: '_' })).toEqual(['snake_case sign'])
    expect(await mine({ q: '\\' })).toEqual([])
  })

  it('min_price and max_price are inclusive', async () => {
    expect(await mine({ min_price: 2.5, max_price: 7 })).toEqual([
      'Blue Mug',
      'Plate',
      'snake_case sign',
      'snakeXcase sign',
    ])
    expect(await mine({ min_price: 12 })).toEqual(['mug rack', '5000 piece puzzle'])
    expect(await mine({ max_price: 1 })).toEqual(['50% off voucher'])
    expect(await mine({ min_price: 0.29, max_price: 0.29 })).toEqual([])
    expect(await mine({ min_price: 8, max_price: 7 })).toEqual([])
  })

  it('owner keeps only that user’s items', async () => {
    const all = await page({ owner: owner.id, limit: 100 })
    expect(all.items).toHaveLength(7)
    expect(new Set(all.items.map((i) => i.owner_id))).toEqual(new Set([owner.id]))
    expect(await names({ owner: bob.id, q: 'mug' })).toEqual(['Bob’s mug'])
  })

  it('tag keeps the items with that tag, whatever its case', async () => {
    expect(await mine({ tag: 'kitchen' })).toEqual(['Blue Mug', 'mug rack'])
    expect(await mine({ tag: 'KITCHEN' })).toEqual(['Blue Mug', 'mug rack'])
    expect(await mine({ tag: 'toy' })).toEqual(['5000 piece puzzle'])
    expect(await mine({ tag: 'none' })).toEqual([])
  })

  it('filters combine with AND', async () => {
    expect(await mine({ q: 'mug', tag: 'kitchen' })).toEqual(['Blue Mug', 'mug rack'])
    expect(await mine({ q: 'mug', tag: 'kitchen', max_price: 5 })).toEqual(['Blue Mug'])
    expect(await mine({ q: 'mug', min_price: 5 })).toEqual(['mug rack', 'Plate'])
    // Without `owner`, everyone's items match.
    const everyone = await names({ q: 'mug', tag: 'kitchen', max_price: 5, sort: 'created_at' })
    expect(everyone).toEqual(['Blue Mug', 'Bob’s mug'])
  })

  it('pages through a filtered listing', async () => {
    const pages = await walk({ owner: owner.id, sort: 'price', max_price: 7, limit: 2 })
    expect(pages.map((p) => p.map((i) => i.price))).toEqual([[1, 2.5], [2.5, 4.5], [7]])
  })

  it.each([
    ['min_price', '-1'],
    ['min_price', '1.005'],
    ['max_price', 'cheap'],
    ['max_price', '1e12'],
    ['owner', 'alice'],
    ['q', ''],
    ['tag', 'x'.repeat(33)],
  ])('refuses %s=%s with 422 naming it', async (param, value) => {
    expect(invalid(await list({ [param]: value }), 'query')).toEqual([`/${param}`])
  })
})

describe('search on every database', () => {
  it('finds text case-insensitively beyond ASCII', async () => {
    const owner = await signUpAndIn(t)
    await create(owner, { name: 'CAFÉ CRÈME' })
    await create(owner, { name: 'ÆBLE' })
    expect(await names({ owner: owner.id, q: 'café' })).toEqual(['CAFÉ CRÈME'])
    expect(await names({ owner: owner.id, q: 'CAFÉ' })).toEqual(['CAFÉ CRÈME'])
    expect(await names({ owner: owner.id, q: 'æble' })).toEqual(['ÆBLE'])
  })

  it('keeps search in step with edits', async () => {
    const owner = await signUpAndIn(t)
    const item = await create(owner, { name: 'Kettle' })
    await patch(owner, item.id, { name: 'Samovar' })
    expect(await names({ owner: owner.id, q: 'kettle' })).toEqual([])
    expect(await names({ owner: owner.id, q: 'samovar' })).toEqual(['Samovar'])
  })

  it('keeps search in step with edits of the name or the description alone', async () => {
    const owner = await signUpAndIn(t)
    const item = await create(owner, { name: 'Kettle', description: 'Whistling' })
    const find = (q: string) => names({ owner: owner.id, q })
    const edit = async (changes: Record<string, unknown>) =>
      expect((await patch(owner, item.id, changes)).statusCode).toBe(200)
    await edit({ name: 'Samovar' })
    expect(await find('kettle')).toEqual([])
    expect(await find('samovar')).toEqual(['Samovar'])
    expect(await find('whistling')).toEqual(['Samovar'])
    await edit({ description: 'Brass urn' })
    expect(await find('whistling')).toEqual([])
    expect(await find('brass urn')).toEqual(['Samovar'])
    expect(await find('samovar')).toEqual(['Samovar'])
    // The name and the description stay apart: no text runs across from one into the other.
    expect(await find('varbrass')).toEqual([])
    await edit({ description: null })
    expect(await find('brass')).toEqual([])
    expect(await find('samovar')).toEqual(['Samovar'])
    await edit({ description: 'Tea urn' })
    await edit({ name: 'Urn', tags: ['brass'] })
    expect(await find('samovar')).toEqual([])
    expect(await find('tea urn')).toEqual(['Urn'])
    expect(await names({ owner: owner.id, q: 'urn', tag: 'brass' })).toEqual(['Urn'])
    await edit({ name: 'Ewer', description: 'Copper' })
    expect(await find('copper')).toEqual(['Ewer'])
    expect(await find('urn')).toEqual([])
  })

  it('gives an edited item the search text a new one with its name and description would have', async () => {
    // An edit of one field rebuilds the text from the other's part in the row: the same text, beyond ASCII
    // (compatibility forms, a final sigma), for a description of several lines, empty or cleared.
    const owner = await signUpAndIn(t)
    const item = await create(owner, { name: 'ΟΔΟΣ kettle', description: 'Whistling ﬁne\nΣΑΣ' })
    const edits = [
      { name: 'Σamovar ﬀ' },
      { description: 'Brass ΣΟΣ\nurn' },
      { description: null },
      { description: '' },
      { name: 'Ἀθῆναι' },
      { description: 'Tea' },
      { name: 'Urn', description: 'Copper Σ' },
    ]
    for (const changes of edits) {
      expect((await patch(owner, item.id, changes)).statusCode).toBe(200)
      const row = await t.container.database.db
        .selectFrom('items')
        .select(['name', 'description', 'search_text'])
        .where('id', '=', item.id)
        .executeTakeFirstOrThrow()
      expect(row.search_text).toBe(searchable(row.name, row.description))
    }
  })

  it('a tag, with q or alone, keeps exactly that tag: not a longer one, nor one in quotes', async () => {
    const owner = await signUpAndIn(t)
    for (const tag of ['kitchen', 'kitchenware', '"kitchen"', 'kit"chen', 'my-kitchen']) {
      await create(owner, { name: `mug for ${tag}`, tags: ['tea', tag] })
    }
    const search = (tag: string) => names({ owner: owner.id, q: 'mug', tag, sort: 'created_at' })
    expect(await search('kitchen')).toEqual(['mug for kitchen'])
    expect(await search('"kitchen"')).toEqual(['mug for "kitchen"'])
    expect(await search('kit"chen')).toEqual(['mug for kit"chen'])
    expect(await search('chen')).toEqual([])
    expect((await search('tea')).length).toBe(5)
    // A tag alone, and with text too short for the trigram index.
    expect(await names({ owner: owner.id, tag: 'kit"chen' })).toEqual(['mug for kit"chen'])
    expect(await names({ owner: owner.id, tag: 'chen' })).toEqual([])
    expect(await names({ owner: owner.id, tag: 'kitchen', q: 'mu' })).toEqual(['mug for kitchen'])
  })

  it('keeps search by tag in step with edits of the tags', async () => {
    const owner = await signUpAndIn(t)
    const item = await create(owner, { name: 'Enamel mug', tags: ['camping'] })
    await patch(owner, item.id, { tags: ['Kitchen', 'gift'] })
    expect(await names({ owner: owner.id, q: 'mug', tag: 'camping' })).toEqual([])
    expect(await names({ owner: owner.id, q: 'mug', tag: 'gift' })).toEqual(['Enamel mug'])
    expect((await page({ owner: owner.id, q: 'enamel' })).items[0]?.tags).toEqual(['kitchen', 'gift'])
  })
})
