// https-only headers (HSTS, COOP, upgrade-insecure-requests) only when PUBLIC_URL is https; a Content-Security-Policy
// for pages that lets them load from this origin only, and one for everything else that lets nothing load.
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../support/app.ts'

const LAN = { host: '192.168.1.20:8000' }

function directives(res: LightMyRequestResponse): string[] {
  return String(res.headers['content-security-policy'] ?? '')
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean)
}

/** The URLs of a page's scripts and stylesheets. */
function assets(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '')
}

describe('served over plain http', () => {
  let plain: TestApp
  let http: TestApp
  beforeAll(async () => {
    plain = await createTestApp()
    http = await createTestApp({ PUBLIC_URL: 'http://api.example.com' })
  })
  afterAll(async () => {
    await plain.close()
    await http.close()
  })

  it('sends neither HSTS nor upgrade-insecure-requests, with no PUBLIC_URL or an http one', async () => {
    for (const t of [plain, http]) {
      for (const url of ['/docs', '/graphiql', '/health/live', '/nowhere']) {
        const res = await t.app.inject({ url })
        expect(res.headers['strict-transport-security'], url).toBeUndefined()
        // Ignored over http, with an error in the browser's console.
        expect(res.headers['cross-origin-opener-policy'], url).toBeUndefined()
        expect(directives(res), url).not.toContain('upgrade-insecure-requests')
      }
    }
  })

  it('does not upgrade /docs or its assets for a browser on the LAN', async () => {
    const page = await plain.app.inject({ url: '/docs', headers: LAN })
    expect(page.statusCode).toBe(200)
    expect(directives(page)).toContain("script-src 'self'")
    expect(directives(page)).not.toContain('upgrade-insecure-requests')
    const urls = assets(page.body)
    expect(urls.length).toBeGreaterThan(0)
    for (const url of urls) {
      const asset = await plain.app.inject({ url: new URL(url, 'http://192.168.1.20:8000/docs').pathname })
      expect(asset.statusCode, url).toBe(200)
      expect(asset.headers['strict-transport-security'], url).toBeUndefined()
      expect(directives(asset), url).not.toContain('upgrade-insecure-requests')
    }
  })

  it('gives pages the page policy and everything else a policy that lets nothing load', async () => {
    for (const url of ['/docs', '/graphiql']) {
      const page = await plain.app.inject({ url, headers: LAN })
      expect(page.headers['content-type'], url).toMatch(/^text\/html/)
      expect(directives(page), url).toEqual(
        expect.arrayContaining(["default-src 'self'", "script-src 'self'", "object-src 'none'"]),
      )
    }
    for (const url of ['/health/live', '/openapi.json', '/docs/json', '/nowhere']) {
      const res = await plain.app.inject({ url, headers: LAN })
      expect(directives(res), url).toEqual(["default-src 'none'", "frame-ancestors 'none'"])
    }
  })
})

describe('served over https', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ PUBLIC_URL: 'https://api.example.com' })
  })
  afterAll(() => t.close())

  it('sends HSTS on every response, COOP and upgrade-insecure-requests on pages', async () => {
    for (const url of ['/docs', '/graphiql', '/health/live', '/nowhere']) {
      const res = await t.app.inject({ url })
      expect(res.headers['strict-transport-security'], url).toMatch(/^max-age=\d+/)
    }
    for (const url of ['/docs', '/graphiql']) {
      const res = await t.app.inject({ url })
      expect(res.headers['cross-origin-opener-policy'], url).toBe('same-origin')
      expect(directives(res), url).toContain('upgrade-insecure-requests')
    }
    // COOP is about documents: a JSON answer has none to isolate.
    expect(
      (await t.app.inject({ url: '/health/live' })).headers['cross-origin-opener-policy'],
    ).toBeUndefined()
  })
})
