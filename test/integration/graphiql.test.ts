// GraphiQL at /graphiql: a page whose every script and style Trestle serves itself, from the npm packages,
// outside the OpenAPI document; GRAPHIQL=false turns it off. In a real browser: test/e2e/browser.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ GRAPHIQL: 'true' })
})
afterAll(() => t.close())

describe('GraphiQL', () => {
  it('is a page whose scripts and styles all come from this server', async () => {
    const page = await t.app.inject({ url: '/graphiql' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.body).not.toMatch(/<script>|<script [^>]*>[^<]/)
    const urls = [...page.body.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map(
      (m) => m[1] ?? '',
    )
    // The icon is empty, so that the browser does not ask for a /favicon.ico there is none of.
    expect(urls.filter((url) => !url.startsWith('/graphiql/'))).toEqual(['data:,'])
    for (const url of urls.filter((u) => u.startsWith('/'))) {
      const asset = await t.app.inject({ url })
      expect(asset.statusCode, url).toBe(200)
      expect(asset.headers['content-type'], url).toMatch(
        url.endsWith('.css') ? /^text\/css/ : /^text\/javascript/,
      )
      expect(asset.headers['cache-control'], url).toBe(
        url.includes('@') ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
    }
    expect(urls).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/graphiql\/react@18\.[\d.]+\/umd\/react\.production\.min\.js$/),
        expect.stringMatching(/^\/graphiql\/react-dom@18\.[\d.]+\/umd\/react-dom\.production\.min\.js$/),
        expect.stringMatching(/^\/graphiql\/graphiql@3\.[\d.]+\/graphiql\.min\.js$/),
      ]),
    )
  })

  it('stays out of the OpenAPI document', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> }
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/graphiql'))).toEqual([])
  })

  it('is not served with GRAPHIQL=false', async () => {
    const off = await createTestApp({ GRAPHIQL: 'false' })
    try {
      expect((await off.app.inject({ url: '/graphiql' })).statusCode).toBe(404)
      expect((await off.app.inject({ url: '/graphql?query={__typename}' })).statusCode).toBe(200)
    } finally {
      await off.close()
    }
  })
})
