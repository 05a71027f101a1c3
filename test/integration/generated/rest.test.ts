// Generated requests for every operation of the OpenAPI document, from every kind of caller: valid and refused
// bodies, query strings, path ids and headers. Whatever is sent, the answer is no 5xx, matches the schema the
// document gives for its status and content type, is a 4xx when the document refuses the request, and a
// refused request leaves the database as it was.
import { test } from '@fast-check/vitest'
import { afterAll, expect } from 'vitest'
import { dbState } from '../../support/db-state.ts'
import { createWorld } from '../../support/generated-world.ts'
import {
  build,
  misplacedErrors,
  type OpenApiDocument,
  operationsOf,
  requestArbitrary,
  responseProblems,
} from '../../support/openapi-requests.ts'
import './settings.ts'

// At collection time, so that every operation of the served document is a test of its own.
const world = await createWorld()
afterAll(() => world.close())
const doc = (await world.t.app.inject({ url: '/openapi.json' })).json() as OpenApiDocument
const operations = operationsOf(doc)
const db = world.t.container.database.db
const hinted = new Set(Object.keys(world.hints()).map((key) => key.split(' ').at(-1) as string))
const callers = {
  good: ['anonymous', 'user', 'other', 'admin'],
  bad: ['garbage', 'malformed', 'forged', 'basic'],
}

test('the document lists the operations', () => {
  expect(operations.length).toBeGreaterThan(20)
})

for (const op of operations) {
  test.prop([requestArbitrary(op, callers, hinted)])(op.name, async (generated) => {
    await world.refresh()
    const { inject, refused } = build(op, generated, world.hints(), world.callers[generated.caller])
    const before = await dbState(db)
    const res = await world.t.app.inject(inject)
    const seen = `${inject.method} ${inject.url} -> ${res.statusCode} ${res.body.slice(0, 300)}`
    expect(res.statusCode, seen).toBeLessThan(500)
    expect(responseProblems(op, res), seen).toEqual([])
    expect(misplacedErrors(op, inject, res), `errors name a place nothing was sent in: ${seen}`).toEqual([])
    if (refused.length > 0)
      expect(res.statusCode, `refused by the document (${refused}): ${seen}`).toBeGreaterThanOrEqual(400)
    if (res.statusCode >= 400)
      expect(await dbState(db), `a refusal changed the database: ${seen}`).toEqual(before)
  })
}
