// Generated operations for every GraphQL root field that takes arguments, from every kind of caller, their
// arguments sent as variables. Whatever is sent: no 5xx, a GraphQL response (data and/or errors, each error
// with a code, none of them INTERNAL), and an operation refused with errors leaves the database as it was.
import { test } from '@fast-check/vitest'
import { afterAll, expect } from 'vitest'
import { dbState } from '../../support/db-state.ts'
import { createWorld } from '../../support/generated-world.ts'
import {
  documentFor,
  operationArbitrary,
  resolveVariables,
  rootFieldsWithArguments,
} from '../../support/graphql-requests.ts'
import './settings.ts'

const world = await createWorld()
afterAll(() => world.close())
const roots = rootFieldsWithArguments(world.t.app.graphql.schema)
const db = world.t.container.database.db
const callers = { good: ['anonymous', 'user', 'other', 'admin'], bad: ['garbage', 'malformed', 'forged'] }

// The run-time values GraphQL arguments may take, by argument name.
function hints(): Record<string, string[]> {
  const rest = world.hints()
  return {
    id: rest.id ?? [],
    userId: rest.id ?? [],
    ownerId: rest.id ?? [],
    itemId: rest.id ?? [],
    room: ['lobby', 'general'],
    currency: rest.currency ?? [],
    base: rest.base ?? [],
  }
}
const hinted = new Set(Object.keys(hints()))

interface GraphQLBody {
  data?: Record<string, unknown> | null
  errors?: { message: string; extensions?: { code?: unknown } }[]
}

test('the schema has root fields with arguments', () => {
  expect(roots.length).toBeGreaterThan(10)
})

for (const root of roots) {
  const query = documentFor(root)
  test.prop([operationArbitrary(root, callers, hinted)])(`${root.kind} ${root.name}`, async (generated) => {
    await world.refresh()
    const variables = resolveVariables(generated.variables, hints())
    const authorization = world.callers[generated.caller]
    const before = await dbState(db)
    const res = await world.t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
      payload: { query, variables },
    })
    const seen = `${JSON.stringify(variables)} -> ${res.statusCode} ${res.body.slice(0, 400)}`
    expect(res.statusCode, seen).toBeLessThan(500)
    const body = res.json() as GraphQLBody
    if (res.statusCode >= 400 && String(res.headers['content-type']).startsWith('application/problem+json')) {
      // Refused before GraphQL ran (a bad token): a problem document, as on every route.
      expect(body, seen).toMatchObject({ status: res.statusCode, type: expect.any(String) })
    } else {
      expect('data' in body || 'errors' in body, seen).toBe(true)
      for (const error of body.errors ?? []) {
        expect(error.message, seen).toEqual(expect.any(String))
        expect(error.extensions?.code, seen).toEqual(expect.any(String))
        expect(error.extensions?.code, seen).not.toBe('INTERNAL')
      }
      if (!body.errors?.length) expect(body.data?.[root.name], seen).toBeDefined()
    }
    const refused = res.statusCode >= 400 || (body.errors?.length ?? 0) > 0
    if (refused) expect(await dbState(db), `a refusal changed the database: ${seen}`).toEqual(before)
  })
}
