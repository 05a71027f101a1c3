// One rule, one refusal: every input below is sent through REST and through GraphQL, and both must refuse
// it naming the same field with the same reason, the one its rule in src/domain/fields.ts gives. Inputs are
// written with REST's names; GraphQL gets the same values under its own (fullName, ownerId, minPrice…),
// prices as the decimal strings GraphQL clients send. Valid edge cases must pass on both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CurrentPassword,
  Description,
  Email,
  FullName,
  ItemName,
  Password,
  SearchText,
  Tag,
  Tags,
  Uuid,
} from '../../src/domain/fields.ts'
import { Price } from '../../src/domain/money.ts'
import { createTestApp, problem, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import { itemCalls } from '../support/items.ts'

type Op = 'createItem' | 'updateItem' | 'updateMe' | 'listItems'
type Input = Record<string, unknown>

interface Refusal {
  field: string
  reason: string
}

interface Case {
  name: string
  op: Op
  input: Input
  refused: Refusal
}

const distinctTags = (n: number) => Array.from({ length: n }, (_, i) => `tag${i}`)
const at = (field: string, rule: { errorMessage: string }): Refusal => ({ field, reason: rule.errorMessage })

function refusals(
  op: Op,
  field: string,
  rule: { errorMessage: string },
  values: [string, unknown][],
): Case[] {
  return values.map(([name, value]) => ({
    name,
    op,
    input: { [field]: value },
    refused: at(`/${field}`, rule),
  }))
}

// biome-ignore format: the table reads better one case a line
const CASES: Case[] = [
  ...refusals('createItem', 'name', ItemName, [
    ['an empty name', ''], ['a name of spaces', '   '], ['a name of a zero-width space', '\u200b'],
    ['a NUL in a name', 'a\u0000b'], ['a name over 200 characters', 'x'.repeat(201)],
    ['a name on two lines', 'Tea\npot'],
  ]),
  ...refusals('createItem', 'price', Price, [
    ['a negative price', -1], ['three decimals', 9.999], ['a huge price', 1e12],
    ['just over the maximum', 10_000_000.01], ['a negative amount under a cent', -0.001],
  ]),
  ...refusals('createItem', 'description', Description, [
    ['a description over 5000 characters', 'x'.repeat(5001)], ['a NUL in a description', 'a\u0000'],
  ]),
  { name: 'a tag with a space', op: 'createItem', input: { tags: ['two words'] }, refused: at('/tags/0', Tag) },
  { name: 'a tag with a comma', op: 'createItem', input: { tags: ['a,b'] }, refused: at('/tags/0', Tag) },
  { name: 'an empty tag', op: 'createItem', input: { tags: [''] }, refused: at('/tags/0', Tag) },
  { name: 'a tag over 32', op: 'createItem', input: { tags: ['x'.repeat(33)] }, refused: at('/tags/0', Tag) },
  { name: 'a NUL in a tag', op: 'createItem', input: { tags: ['ok', 'a\u0000'] }, refused: at('/tags/1', Tag) },
  { name: '11 tags', op: 'createItem', input: { tags: distinctTags(11) }, refused: at('/tags', Tags) },
  {
    name: '11 different tags among 13, duplicates removed first',
    op: 'createItem',
    input: { tags: [...distinctTags(11), 'TAG0', 'tag1'] },
    refused: at('/tags', Tags),
  },
  ...refusals('updateItem', 'name', ItemName, [['a name of spaces', ' \t ']]),
  ...refusals('updateItem', 'price', Price, [['three decimals', 1.005], ['a negative price', -0.01]]),
  { name: '11 tags', op: 'updateItem', input: { tags: distinctTags(11) }, refused: at('/tags', Tags) },
  ...refusals('updateMe', 'email', Email, [
    ['a domain without a dot', 'x@localhost'], ['a one-letter domain', 'a@b'], ['an empty domain', 'x@.'],
    ['a control character', 'a\u0007@example.com'], ['a zero-width space', 'a\u200b@example.com'],
    ['a NUL', 'a\u0000@example.com'], ['a space', 'not an email'],
    ['an address over 254 characters', `${'a'.repeat(64)}@${'b'.repeat(190)}.com`],
  ]),
  ...refusals('updateMe', 'full_name', FullName, [
    ['a name of spaces', '   '], ['a name over 200 characters', 'x'.repeat(201)], ['a NUL', 'a\u0000'],
  ]),
  ...refusals('updateMe', 'password', Password, [['7 characters', 'short12'], ['129 characters', 'x'.repeat(129)]]),
  {
    name: 'a current password over 128 characters',
    op: 'updateMe',
    input: { password: 'a new long passphrase', current_password: 'x'.repeat(129) },
    refused: at('/current_password', CurrentPassword),
  },
  ...refusals('listItems', 'q', SearchText, [
    ['an empty q', ''], ['a blank q', '   '], ['a NUL in q', 'a\u0000b'], ['a q over 200 characters', 'x'.repeat(201)],
    ['a q of 5000 characters', 'x'.repeat(5000)],
  ]),
  ...refusals('listItems', 'tag', Tag, [
    ['a NUL in tag', 'a\u0000'], ['a tag over 32 characters', 'x'.repeat(33)], ['a tag with a space', 'two words'],
  ]),
  ...refusals('listItems', 'owner', Uuid, [
    ['an owner that is not a uuid', 'not-a-uuid'],
    ['an owner as a URN', 'urn:uuid:0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f'],
  ]),
  ...refusals('listItems', 'min_price', Price, [['a negative min_price', -1]]),
  ...refusals('listItems', 'max_price', Price, [['three decimals', 1.005], ['a huge max_price', 1_000_000_000_000]]),
]

let t: TestApp
let alice: SignedUp
let itemId: string

beforeAll(async () => {
  t = await createTestApp()
  alice = await signUpAndIn(t)
  itemId = (await itemCalls(() => t).create(alice)).id
})
afterAll(() => t.close())

// --- The two transports -------------------------------------------------------------------------------------

const REST_ROUTE: Record<Op, { method: 'POST' | 'PATCH' | 'GET'; url: () => string; base: Input }> = {
  createItem: { method: 'POST', url: () => '/items', base: { name: 'Teapot', price: 1 } },
  updateItem: { method: 'PATCH', url: () => `/items/${itemId}`, base: {} },
  updateMe: { method: 'PATCH', url: () => '/users/me', base: {} },
  listItems: { method: 'GET', url: () => '/items', base: {} },
}

function rest(op: Op, input: Input) {
  const route = REST_ROUTE[op]
  const fields = { ...route.base, ...input }
  if (route.method === 'GET') {
    const query = new URLSearchParams(
      Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)]),
    )
    return t.app.inject({ method: 'GET', url: `${route.url()}?${query}` })
  }
  return t.app.inject({ method: route.method, url: route.url(), headers: alice.auth, payload: fields })
}

async function restRefusal(op: Op, input: Input): Promise<Refusal> {
  const body = problem(await rest(op, input), 422)
  expect(body.errors).toHaveLength(1)
  const [error] = body.errors ?? []
  expect(error?.in).toBe(op === 'listItems' ? 'query' : 'body')
  return { field: error?.pointer ?? '', reason: error?.detail ?? '' }
}

const GRAPHQL_NAMES: Record<string, string> = {
  full_name: 'fullName',
  current_password: 'currentPassword',
  owner: 'ownerId',
  min_price: 'minPrice',
  max_price: 'maxPrice',
}
const MONEY = new Set(['price', 'min_price', 'max_price'])

function graphqlInput(input: Input): Input {
  return Object.fromEntries(
    Object.entries(input).map(([name, value]) => [
      GRAPHQL_NAMES[name] ?? name,
      MONEY.has(name) && typeof value === 'number' ? String(value) : value,
    ]),
  )
}

const DOCUMENTS: Record<Op, string> = {
  createItem: 'mutation($input: CreateItemInput!) { createItem(input: $input) { id name price tags } }',
  updateItem: 'mutation($id: ID!, $input: UpdateItemInput!) { updateItem(id: $id, input: $input) { id } }',
  updateMe: 'mutation($input: UpdateMeInput!) { updateMe(input: $input) { id email } }',
  listItems: 'query($input: ItemsFilter) { items(first: 5, filter: $input) { nodes { id } } }',
}

async function graphql(op: Op, input: Input) {
  const variables = { input: graphqlInput({ ...REST_ROUTE[op].base, ...input }), id: itemId }
  const res = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: alice.auth,
    payload: { query: DOCUMENTS[op], variables },
  })
  return res.json() as {
    data?: Record<string, unknown> | null
    errors?: { message: string; extensions?: { code?: string; field?: string } }[]
  }
}

async function graphqlRefusal(op: Op, input: Input): Promise<Refusal> {
  const { errors } = await graphql(op, input)
  expect(errors).toHaveLength(1)
  const [error] = errors ?? []
  expect(error?.extensions?.code).toBe('BAD_USER_INPUT')
  return { field: error?.extensions?.field ?? '', reason: error?.message ?? '' }
}

// --- The table ------------------------------------------------------------------------------------------

describe('REST and GraphQL refuse the same input alike', () => {
  it.each(CASES.map((c) => [`${c.op}: ${c.name}`, c] as const))('%s', async (_, c) => {
    expect(await restRefusal(c.op, c.input)).toEqual(c.refused)
    expect(await graphqlRefusal(c.op, c.input)).toEqual(c.refused)
  })

  it('GraphQL refuses a q of 900 KB as REST refuses one of 201 characters', async () => {
    expect(await graphqlRefusal('listItems', { q: 'x'.repeat(900_000) })).toEqual(at('/q', SearchText))
  })
})

describe('and accept the same edge cases', () => {
  it('a price of -0 is 0 on both', async () => {
    const viaRest = await t.app.inject({
      method: 'POST',
      url: '/items',
      headers: { ...alice.auth, 'content-type': 'application/json' },
      payload: '{"name":"Free","price":-0}',
    })
    expect(viaRest.statusCode, viaRest.body).toBe(201)
    expect(viaRest.json().price).toBe(0)
    for (const price of ['-0', '-0.00', -0]) {
      const viaGraphQL = await graphql('createItem', { name: 'Free', price })
      expect(viaGraphQL.data?.createItem, JSON.stringify(viaGraphQL)).toMatchObject({ price: '0.00' })
    }
  })

  it.each([
    ['the smallest and the largest price', { price: 0.01 }, { price: 10_000_000 }],
    ['a name of 200 characters outside the BMP', { name: '🍵'.repeat(200) }, { name: 'Tea for two' }],
    [
      '12 tags that are 10 once lower-cased and deduplicated',
      { tags: [...distinctTags(10), 'TAG0', 'Tag1'] },
      {},
    ],
    ['spaces around a name', { name: '  Teapot  ' }, {}],
  ])('createItem takes %s', async (_, first, second) => {
    for (const input of [first, second]) {
      const viaRest = await rest('createItem', input)
      expect(viaRest.statusCode, viaRest.body).toBe(201)
      const viaGraphQL = await graphql('createItem', input)
      expect(viaGraphQL.errors, JSON.stringify(viaGraphQL.errors)).toBeUndefined()
      const restTags = viaRest.json().tags as string[]
      expect(viaGraphQL.data?.createItem).toMatchObject({ tags: restTags })
      expect(restTags.length).toBeLessThanOrEqual(10)
    }
  })

  it('updateMe takes an address in any script and stores it in lower case', async () => {
    const viaRest = await rest('updateMe', { email: 'Élodie.ONeil+tea@Bücher.example' })
    expect(viaRest.json().email).toBe('élodie.oneil+tea@bücher.example')
    const viaGraphQL = await graphql('updateMe', { email: 'Ana+GQL@Example.CO.uk', full_name: 'Ana' })
    expect(viaGraphQL.data?.updateMe).toMatchObject({ email: 'ana+gql@example.co.uk' })
  })

  it('listItems takes an upper-case owner id, a q of 200 characters and the whole price range', async () => {
    const input = { owner: alice.id.toUpperCase(), q: 'x'.repeat(200), min_price: 0, max_price: 10_000_000 }
    expect((await rest('listItems', input)).statusCode).toBe(200)
    expect((await graphql('listItems', input)).data?.items).toEqual({ nodes: [] })
  })
})
