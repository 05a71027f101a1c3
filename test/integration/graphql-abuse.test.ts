// Abusive GraphQL documents are refused before they are validated or run, quickly, whoever sends them:
// introspection counts like any field, and the document itself is bounded.
import { getIntrospectionQuery } from 'graphql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../support/app.ts'

let t: TestApp

beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const started = performance.now()
  const res = await t.app.inject({ method: 'POST', url: '/graphql', payload: { query, variables } })
  return { res, body: res.json(), ms: performance.now() - started }
}

const codes = (body: { errors?: { extensions?: { code?: string } }[] }) =>
  (body.errors ?? []).map((e) => e.extensions?.code)

const schemaBomb = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: __schema { types { name fields { name } } }`).join(' ')} }`

describe('introspection', () => {
  it('refuses many aliases of __schema before running them', async () => {
    const { body } = await gql(schemaBomb(200))
    expect(codes(body)).toEqual(['TOO_MANY_ALIASES'])
    expect(body.data ?? null).toBeNull()
  })

  it('refuses more than two __schema or __type fields, aliased or not', async () => {
    const { body } = await gql(
      '{ a: __type(name: "Item") { name } b: __type(name: "User") { name } c: __schema { queryType { name } } }',
    )
    expect(codes(body)).toEqual(['TOO_MUCH_INTROSPECTION'])
  })

  it('refuses the 1 MB bomb by its size, quickly', async () => {
    const bomb = schemaBomb(11_000)
    expect(bomb.length).toBeGreaterThan(500_000)
    const { res, body, ms } = await gql(bomb)
    expect(res.statusCode).toBe(200)
    expect(codes(body)).toEqual(['DOCUMENT_TOO_LARGE'])
    expect(res.body.length).toBeLessThan(1000)
    expect(ms).toBeLessThan(1000)
  })

  it('refuses a bomb just under the size limit before validating it', async () => {
    const bomb = `{ ${Array.from({ length: 1800 }, (_, i) => `a${i}:__typename`).join(' ')} }`
    expect(bomb.length).toBeLessThan(t.settings.GRAPHQL_MAX_DOCUMENT)
    const { body, ms } = await gql(bomb)
    expect(codes(body)).toEqual(['TOO_MANY_ALIASES'])
    expect(ms).toBeLessThan(1000)
  })

  it('counts __typename and introspection toward depth', async () => {
    const nested = (depth: number): string =>
      depth === 0 ? '__typename' : `me { items(first: 1) { nodes { owner { ${nested(depth - 1)} } } } }`
    // me(1) items(2) nodes(3) owner(4) me…: three rounds put __typename at depth 13.
    const { body } = await gql(`{ ${nested(3)} }`)
    expect(codes(body)).toEqual(['QUERY_TOO_DEEP'])
    const ofType = (n: number): string => (n === 0 ? 'name' : `ofType { ${ofType(n - 1)} }`)
    const deep = await gql(`{ __type(name: "Item") { fields { type { ${ofType(20)} } } } }`)
    expect(codes(deep.body)).toEqual(['QUERY_TOO_DEEP'])
  })

  it('refuses fragments that expand exponentially, quickly', async () => {
    const spreads = (next: string) => Array.from({ length: 10 }, () => `...${next}`).join(' ')
    const fragments = Array.from(
      { length: 8 },
      (_, i) => `fragment F${i} on Query { ${i === 7 ? '__typename' : spreads(`F${i + 1}`)} }`,
    )
    const { body, ms } = await gql(`{ ...F0 } ${fragments.join(' ')}`)
    expect(codes(body)).toEqual(['QUERY_TOO_COSTLY'])
    expect(ms).toBeLessThan(1000)
  })

  it('still answers the standard introspection query that GraphiQL and code generators send', async () => {
    const { body } = await gql(getIntrospectionQuery())
    expect(body.errors).toBeUndefined()
    expect(body.data.__schema.queryType.name).toBe('Query')
    expect(body.extensions.cost.complexity).toBe(101)
  })

  it('applies the same limits to a cached document', async () => {
    for (let i = 0; i < 2; i++) {
      const { body } = await gql(schemaBomb(31))
      expect(codes(body)).toEqual(['TOO_MANY_ALIASES'])
    }
  })
})

describe('subscriptions over HTTP', () => {
  it('are refused as a client error that names the WebSocket, not run into an internal error', async () => {
    const { res, body } = await gql('subscription { itemEvents { type } }')
    expect(res.statusCode).toBe(200)
    expect(codes(body)).toEqual(['BAD_REQUEST'])
    expect(body.errors[0].message).toMatch(/WebSocket/)
  })
})
