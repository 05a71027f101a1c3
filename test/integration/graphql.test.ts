// GraphQL at /graphql: the same domain, rules, errors and limits as REST, in GraphQL's shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Price } from '../../src/domain/money.ts'
import { createTestApp, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'

let t: TestApp
let alice: SignedUp
let bob: SignedUp
let admin: SignedUp
let queries = 0

interface GqlResult {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: answers are read as the JSON the tests expect
  data?: Record<string, any> | null
  errors?: { message: string; extensions?: Record<string, unknown>; path?: string[] }[]
  // biome-ignore lint/suspicious/noExplicitAny: as above
  extensions?: Record<string, any>
  headers: Record<string, unknown>
}

async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  who?: SignedUp,
): Promise<GqlResult> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { ...who?.auth },
    payload: { query, variables },
  })
  return { status: res.statusCode, headers: res.headers, ...res.json() }
}

const codes = (r: GqlResult) => (r.errors ?? []).map((e) => e.extensions?.code)

beforeAll(async () => {
  t = await createTestApp({}, { onQuery: () => queries++ })
  alice = await signUpAndIn(t)
  bob = await signUpAndIn(t)
  admin = await signUpAndIn(t, { role: 'admin' })
})
afterAll(() => t.close())

async function createItem(who: SignedUp, input: Record<string, unknown> = {}) {
  const r = await gql(
    'mutation($input: CreateItemInput!) { createItem(input: $input) { id name price version owner { id } } }',
    { input: { name: 'Teapot', price: '9.99', ...input } },
    who,
  )
  if (!r.data?.createItem) throw new Error(JSON.stringify(r.errors))
  return r.data.createItem as { id: string; name: string; price: string; version: number }
}

describe('queries', () => {
  it('answers the original system’s user(id) { id name } as written', async () => {
    const r = await gql(`{ user(id: "${alice.id}") { id name } }`)
    expect(r.data).toEqual({ user: { id: alice.id, name: alice.username } })
  })

  it('gives null for an unknown user or item', async () => {
    const r = await gql('{ user(id: "0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f") { id } item(id: "nope") { id } }')
    expect(r.data).toEqual({ user: null, item: null })
  })

  it('me is the caller; anonymous callers get UNAUTHENTICATED', async () => {
    expect((await gql('{ me { id username } }', {}, alice)).data?.me).toEqual({
      id: alice.id,
      username: alice.username,
    })
    const anonymous = await gql('{ me { id } }')
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED'])
  })

  it('shows an email to its owner and admins only', async () => {
    const query = `{ user(id: "${alice.id}") { email role } }`
    expect((await gql(query, {}, alice)).data?.user.email).toBe(`${alice.username}@example.com`)
    expect((await gql(query, {}, admin)).data?.user).toEqual({
      email: `${alice.username}@example.com`,
      role: 'user',
    })
    expect((await gql(query, {}, bob)).data?.user).toEqual({ email: null, role: null })
    expect((await gql(query)).data?.user).toEqual({ email: null, role: null })
  })

  it('pages through items as a Relay connection, with the same cursors as REST', async () => {
    const owner = await signUpAndIn(t)
    for (const name of ['a', 'b', 'c']) await createItem(owner, { name })
    const query = `query($after: String) { items(first: 2, after: $after, filter: { ownerId: "${owner.id}" }) {
      edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }`
    const first = (await gql(query)).data?.items
    expect(first.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['c', 'b'])
    expect(first.pageInfo.hasNextPage).toBe(true)
    const second = (await gql(query, { after: first.pageInfo.endCursor })).data?.items
    expect(second.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['a'])
    expect(second.pageInfo).toEqual({ hasNextPage: false, endCursor: second.edges[0].cursor })
  })

  it('filters by price (Money) and sorts', async () => {
    const owner = await signUpAndIn(t)
    for (const price of ['1.10', '2.20', '3.30']) await createItem(owner, { price })
    const r = await gql(
      `{ items(first: 10, sort: PRICE_DESC, filter: { ownerId: "${owner.id}", minPrice: "2.20" }) { nodes { price } } }`,
    )
    expect(r.data?.items.nodes).toEqual([{ price: '3.30' }, { price: '2.20' }])
  })

  it('users is for admins', async () => {
    expect(codes(await gql('{ users(first: 5) { nodes { id } } }', {}, alice))).toEqual(['FORBIDDEN'])
    const r = await gql('{ users(first: 100, filter: { role: admin }) { nodes { id email } } }', {}, admin)
    expect(r.data?.users.nodes).toEqual([{ id: admin.id, email: `${admin.username}@example.com` }])
  })
})

describe('money', () => {
  it('is a decimal string out, exact both ways', async () => {
    for (const price of ['9.99', '0.30', '0.29', '10', 0.1, 12.5]) {
      const item = await createItem(alice, { price })
      expect(item.price).toBe(Number(price).toFixed(2))
    }
  })

  it('written as a literal keeps its digits', async () => {
    const r = await gql('mutation { createItem(input: { name: "Pen", price: 0.3 }) { price } }', {}, alice)
    expect(r.data?.createItem.price).toBe('0.30')
  })

  it('refuses three decimals, negatives and huge amounts as REST does: the domain’s Price rule, naming /price', async () => {
    for (const price of ['9.999', '-1', 1e12, '-0.001']) {
      const r = await gql(
        'mutation($p: Money!) { createItem(input: { name: "Pen", price: $p }) { id } }',
        { p: price },
        alice,
      )
      expect(r.status, String(price)).toBe(200)
      expect(r.data ?? null).toBeNull()
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: '/price' })
      expect(r.errors?.[0]?.message).toBe(Price.errorMessage)
    }
  })

  it('refuses what is not an amount at all before anything runs', async () => {
    const r = await gql(
      'mutation($p: Money!) { createItem(input: { name: "Pen", price: $p }) { id } }',
      { p: 'abc' },
      alice,
    )
    expect(r.data ?? null).toBeNull()
    expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED'])
  })

  it('converts only with exchange-rate providers: none here (test/integration/rates.test.ts has them)', async () => {
    const item = await createItem(alice)
    const r = await gql(`{ item(id: "${item.id}") { price(currency: "EUR") } }`)
    expect(codes(r)).toEqual(['SERVICE_UNAVAILABLE'])
    const notMoney = await gql(`{ item(id: "${item.id}") { price(currency: "ZZZ") } }`)
    expect(codes(notMoney)).toEqual(['BAD_USER_INPUT'])
    expect(notMoney.errors?.[0]?.extensions?.field).toBe('/currency')
  })
})

describe('mutations follow the domain rules', () => {
  it('createItem needs a signed-in caller', async () => {
    const r = await gql('mutation { createItem(input: { name: "Pen", price: "1" }) { id } }')
    expect(codes(r)).toEqual(['UNAUTHENTICATED'])
  })

  it('createItem validates like REST (BAD_USER_INPUT naming the field)', async () => {
    const r = await gql('mutation { createItem(input: { name: "", price: "1" }) { id } }', {}, alice)
    expect(codes(r)).toEqual(['BAD_USER_INPUT'])
    expect(r.errors?.[0]?.extensions?.field).toBe('/name')
  })

  it('updateItem: owner yes, other user FORBIDDEN, admin yes, stale ifVersion PRECONDITION_FAILED', async () => {
    const item = await createItem(alice)
    const update = (who: SignedUp, ifVersion?: number) =>
      gql(
        'mutation($id: ID!, $v: Int) { updateItem(id: $id, input: { price: "5.00" }, ifVersion: $v) { price version } }',
        { id: item.id, v: ifVersion },
        who,
      )
    expect((await update(alice, 1)).data?.updateItem).toEqual({ price: '5.00', version: 2 })
    expect(codes(await update(bob))).toEqual(['FORBIDDEN'])
    expect(codes(await update(alice, 1))).toEqual(['PRECONDITION_FAILED'])
    expect((await update(admin)).data?.updateItem.version).toBe(3)
  })

  it('deleteItem: other user FORBIDDEN, owner deletes, then NOT_FOUND', async () => {
    const item = await createItem(alice)
    const del = (who: SignedUp) => gql('mutation($id: ID!) { deleteItem(id: $id) }', { id: item.id }, who)
    expect(codes(await del(bob))).toEqual(['FORBIDDEN'])
    expect((await del(alice)).data?.deleteItem).toBe(item.id)
    expect(codes(await del(alice))).toEqual(['NOT_FOUND'])
  })

  it('updateMe validates like REST (BAD_USER_INPUT naming the field), never a 500', async () => {
    const long = await gql(
      'mutation($n: String) { updateMe(input: { fullName: $n }) { name } }',
      { n: 'x'.repeat(201) },
      alice,
    )
    expect(codes(long)).toEqual(['BAD_USER_INPUT'])
    expect(long.errors?.[0]?.extensions?.field).toBe('/full_name')
    const email = await gql('mutation { updateMe(input: { email: "not an email" }) { name } }', {}, alice)
    expect(email.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: '/email' })
  })

  it('updateMe and updateUser keep REST’s rules', async () => {
    const me = await gql('mutation { updateMe(input: { fullName: "Alice L." }) { name } }', {}, alice)
    expect(me.data?.updateMe.name).toBe('Alice L.')
    const escalate = await gql(
      `mutation { updateUser(id: "${alice.id}", input: { role: admin }) { role } }`,
      {},
      alice,
    )
    expect(codes(escalate)).toEqual(['FORBIDDEN'])
  })
})

describe('errors', () => {
  it('masks internal errors as INTERNAL with nothing internal in them', async () => {
    const original = t.container.items.get
    t.container.items.get = async () => {
      throw new Error('connection string postgres://secret@db')
    }
    try {
      const r = await gql('{ item(id: "0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11") { id } }')
      expect(codes(r)).toEqual(['INTERNAL'])
      expect(JSON.stringify(r)).not.toContain('secret')
    } finally {
      t.container.items.get = original
    }
  })

  it('refuses batched queries unless configured', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/graphql', payload: [{ query: '{ me { id } }' }] })
    expect(res.statusCode).toBe(400)
  })

  it('answers queries over GET, but not mutations', async () => {
    const get = await t.app.inject({
      url: `/graphql?query=${encodeURIComponent(`{ user(id: "${alice.id}") { id } }`)}`,
    })
    expect(get.json().data.user.id).toBe(alice.id)
    const mutation = await t.app.inject({
      url: `/graphql?query=${encodeURIComponent('mutation { deleteItem(id: "x") }')}`,
      headers: alice.auth,
    })
    expect(mutation.statusCode).toBe(405)
  })
})

describe('limits, before any resolver runs', () => {
  async function refusedBeforeRunning(query: string, code: string) {
    const before = queries
    const r = await gql(query, {}, alice)
    expect(codes(r)).toEqual([code])
    expect(r.data ?? null).toBeNull()
    expect(queries - before).toBe(0)
  }

  it('depth: 10 levels run, 11 are refused', async () => {
    const ok = `{ me { items(first: 1) { nodes { owner { items(first: 1) { nodes { owner { items(first: 1) { nodes { id } } } } } } } } } }`
    expect(codes(await gql(ok, {}, alice))).toEqual([])
    await refusedBeforeRunning(
      `{ me { items(first: 1) { nodes { owner { items(first: 1) { nodes { owner { items(first: 1) { nodes { owner { id } } } } } } } } } } }`,
      'QUERY_TOO_DEEP',
    )
  })

  it('aliases: 30 run, 31 are refused', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`
    expect(codes(await gql(aliases(30), {}, alice))).toEqual([])
    await refusedBeforeRunning(aliases(31), 'TOO_MANY_ALIASES')
  })

  it('cost: a connection costs its first, times its parents’; 10000 runs, 10001 is refused', async () => {
    // 1 + 99 + 99 * 100 = 10000
    const ok = '{ items(first: 99) { nodes { owner { items(first: 100) { nodes { id } } } } } }'
    const r = await gql(ok, {}, alice)
    expect(codes(r)).toEqual([])
    expect(r.extensions?.cost).toMatchObject({ complexity: 10_000, charged: 100 })
    // 1 + 100 + 100 * 99 = 10001
    await refusedBeforeRunning(
      '{ items(first: 100) { nodes { owner { items(first: 99) { nodes { id } } } } } }',
      'QUERY_TOO_COSTLY',
    )
  })

  it('first is required and at most 100', async () => {
    await refusedBeforeRunning('{ items(first: 101) { nodes { id } } }', 'BAD_USER_INPUT')
    const missing = await gql('{ items { nodes { id } } }')
    expect(codes(missing)).toEqual(['GRAPHQL_VALIDATION_FAILED'])
  })
})

describe('batching: a constant number of queries however many rows', () => {
  async function seed(n: number) {
    const db = t.container.database.db
    const now = new Date().toISOString()
    const tag = `batch${n}`
    for (let i = 0; i < n; i++) {
      const userId = crypto.randomUUID()
      await db
        .insertInto('users')
        .values({
          id: userId,
          username: `${tag}_${i}`,
          email: `${tag}_${i}@example.com`,
          full_name: null,
          role: 'user',
          disabled: false,
          password_hash: 'x',
          created_at: now,
          updated_at: now,
        })
        .execute()
      await db
        .insertInto('items')
        .values({
          id: crypto.randomUUID(),
          name: `${tag} item ${i}`,
          price_cents: 100,
          description: null,
          search_text: `${tag} item ${i}`,
          tags: JSON.stringify([tag]),
          owner_id: userId,
          version: 1,
          created_at: now,
          updated_at: now,
        })
        .execute()
      await db
        .insertInto('item_tags')
        .values({
          item_id: (
            await db.selectFrom('items').select('id').where('owner_id', '=', userId).executeTakeFirstOrThrow()
          ).id,
          tag,
        })
        .execute()
    }
    return tag
  }

  async function count(query: string) {
    const before = queries
    const r = await gql(query)
    expect(r.errors).toBeUndefined()
    return { queries: queries - before, data: r.data }
  }

  it('Item.owner: 1, 10 and 100 items with owners cost the same number of queries', async () => {
    const counts: number[] = []
    for (const n of [1, 10, 100]) {
      const tag = await seed(n)
      const { queries: q, data } = await count(
        `{ items(first: 100, filter: { tag: "${tag}" }) { nodes { name owner { username } } } }`,
      )
      expect(data?.items.nodes).toHaveLength(n)
      expect(
        data?.items.nodes.every((i: { owner: { username: string } | null }) =>
          i.owner?.username.startsWith(tag),
        ),
      ).toBe(true)
      counts.push(q)
    }
    expect(new Set(counts).size).toBe(1)
  })

  it('User.items: the first page of every listed user loads in one query', async () => {
    const counts: number[] = []
    for (const n of [2, 20]) {
      const tag = await seed(n)
      const { queries: q, data } = await count(
        `{ items(first: 100, filter: { tag: "${tag}" }) { nodes { owner { items(first: 5) { nodes { name } } } } } }`,
      )
      expect(
        data?.items.nodes.every(
          (i: { owner: { items: { nodes: unknown[] } } }) => i.owner.items.nodes.length === 1,
        ),
      ).toBe(true)
      counts.push(q)
    }
    expect(counts[0]).toBe(counts[1])
  })
})
