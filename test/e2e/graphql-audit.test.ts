// The GraphQL-over-HTTP audit of the graphql-http package, against a listening server.
import { serverAudits } from 'graphql-http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
let url: string

beforeAll(async () => {
  t = await createTestApp()
  url = `${await t.app.listen({ host: '127.0.0.1', port: 0 })}/graphql`
})
afterAll(() => t.close())

describe('GraphQL over HTTP (graphql-http audits)', () => {
  it('passes every MUST and SHOULD', async () => {
    const failed: string[] = []
    for (const audit of serverAudits({ url })) {
      const result = await audit.fn()
      // `notice` marks MAY items, which a server is free to do otherwise.
      if (result.status === 'error' || result.status === 'warn')
        failed.push(`${result.status}: ${audit.name} (${result.reason})`)
    }
    expect(failed).toEqual([])
  })
})
