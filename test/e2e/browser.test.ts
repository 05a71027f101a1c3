// /docs and /graphiql in a real browser (Debian's chromium, driven by playwright-core) against the real server
// process: every request stays on Trestle and succeeds, no script or style is refused by the Content-Security-
// Policy, Swagger UI shows the operations and GraphiQL runs queries and subscriptions.
// Chromium resolves one name only, trestle.test (to 127.0.0.1): so a CDN request fails as it would offline,
// and the pages are seen once as on loopback and once as a browser on the LAN sees them (loopback is exempt
// from upgrade-insecure-requests; a LAN address is not).
import { randomUUID } from 'node:crypto'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../support/database.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'

const LAN_NAME = 'trestle.test'

// A browser on two cores shared with the rest of the suite is slow to start and to parse GraphiQL.
vi.setConfig({ testTimeout: 60_000 })

const NO_CHROMIUM =
  "Chromium not found (looked for /usr/bin/chromium and chromium on PATH): install Debian's `chromium` " +
  '(apt-get install chromium; .ci/run does it) or set CHROMIUM_PATH.'

function findChromium(): string | undefined {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .flatMap((dir) => [join(dir, 'chromium'), join(dir, 'chromium-browser')]),
  ]
  return candidates.find((path) => {
    try {
      if (path) accessSync(path, constants.X_OK)
      return Boolean(path)
    } catch {
      return false
    }
  })
}

let db: TestDatabase
let server: ServerProcess
// Without chromium every test fails with NO_CHROMIUM (a failed hook would show them as skipped).
let browser: Browser | undefined
let origins = { loopback: '', lan: '' }

beforeAll(async () => {
  const executablePath = findChromium()
  if (!executablePath) return
  db = await createTestDatabase()
  server = await startServer({ dataDir: db.dataDir, databaseUrl: db.databaseUrl })
  const port = new URL(server.url).port
  origins = { loopback: server.url, lan: `http://${LAN_NAME}:${port}` }
  browser = await chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      `--host-resolver-rules=MAP ${LAN_NAME} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1`,
    ],
  })
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  await db?.cleanup()
})

/**
 * Opens `path` in a fresh browser context, runs `steps` on the page, then asserts nothing went wrong: no
 * request elsewhere, failed or refused, no console error (CSP violations included), no uncaught error.
 */
async function inBrowser(origin: string, path: string, steps: (page: Page) => Promise<void>) {
  if (!browser) throw new Error(NO_CHROMIUM)
  const context = await browser.newContext()
  const page = await context.newPage()
  // Fail with the list below well before the test's own timeout.
  page.setDefaultTimeout(15_000)
  const problems: string[] = []
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.protocol !== 'data:' && url.origin !== origin)
      problems.push(`request elsewhere: ${request.url()}`)
  })
  page.on('websocket', (socket) => {
    if (new URL(socket.url()).host !== new URL(origin).host)
      problems.push(`socket elsewhere: ${socket.url()}`)
    socket.on('socketerror', (error) => problems.push(`socket: ${socket.url()} (${error})`))
  })
  page.on('requestfailed', (request) =>
    problems.push(`failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`),
  )
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`)
  })
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`))
  // Chromium also logs them, but the event names the directive and the URL for certain.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`,
  })
  try {
    await page.goto(`${origin}${path}`)
    await steps(page)
  } catch (error) {
    throw new Error(`${(error as Error).message}\nwhat went wrong in the page:\n${problems.join('\n')}`)
  } finally {
    await context.close()
  }
  expect(problems).toEqual([])
}

async function runQuery(page: Page, query: string) {
  const editor = page.locator('.graphiql-query-editor .CodeMirror')
  await editor.click()
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')
  // CodeMirror closes brackets itself; typing the closing one steps over it.
  await page.keyboard.type(query)
  await page.keyboard.press('Escape')
  // GraphiQL reads the operation a moment after the last keystroke, then saves the query: until then the run
  // button would send the previous one (and a subscription over HTTP).
  await page.waitForFunction((typed) => localStorage.getItem('graphiql:query') === typed, query)
  await page.getByRole('button', { name: /execute query/i }).click()
}

function resultShows(page: Page, text: string, timeout?: number) {
  return page.locator('.graphiql-response').filter({ hasText: text }).waitFor({ timeout })
}

describe.each(['loopback', 'lan'] as const)('in a browser, over %s', (where) => {
  it('/docs renders the API reference, every asset from Trestle', () =>
    inBrowser(origins[where], '/docs', async (page) => {
      await page.locator('.opblock').first().waitFor()
      expect(await page.locator('.info .title').textContent()).toContain('Trestle API')
      expect(await page.locator('.opblock').count()).toBeGreaterThan(10)
    }))

  it('/graphiql loads the schema and runs { __typename }', () =>
    inBrowser(origins[where], '/graphiql', async (page) => {
      await page.getByRole('button', { name: /documentation explorer/i }).click()
      await page.locator('.graphiql-doc-explorer').getByText('subscription: Subscription').waitFor()
      await runQuery(page, '{ __typename }')
      await resultShows(page, '"__typename": "Query"')
    }))
})

describe('GraphiQL subscriptions', () => {
  it('receive events over the WebSocket', () =>
    inBrowser(origins.loopback, '/graphiql', async (page) => {
      await runQuery(page, 'subscription Lamps { itemEvents { type item { name } } }')
      const name = `Lamp ${randomUUID().slice(0, 8)}`
      const token = await signUp()
      // The server holds the subscription a moment after GraphiQL sends it: create items until one shows.
      let seen = false
      for (let i = 0; i < 50 && !seen; i++) {
        await createItem(token, `${name} ${i}`)
        seen = await resultShows(page, name, 200).then(
          () => true,
          () => false,
        )
      }
      expect(seen, 'an item event in the result pane').toBe(true)
    }))
})

async function signUp(): Promise<string> {
  const username = `browser_${randomUUID().slice(0, 8)}`
  const password = 'correct horse battery'
  const created = await fetch(`${server.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, email: `${username}@example.com`, password }),
  })
  expect(created.status).toBe(201)
  const token = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password }),
  })
  return ((await token.json()) as { access_token: string }).access_token
}

async function createItem(token: string, name: string) {
  const res = await fetch(`${server.url}/items/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name, price: 10 }),
  })
  expect(res.status).toBe(201)
}
