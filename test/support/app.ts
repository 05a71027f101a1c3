// Builds an app on a database of its own for one test file, plus the calls most tests start with.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyServerOptions, LightMyRequestResponse } from 'fastify'
import { inject } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { parseSettings } from '../../src/config.ts'
import { type Container, type ContainerOverrides, createContainer } from '../../src/container.ts'
import type { Settings } from '../../src/settings.ts'
import { createTestDatabase } from './database.ts'

export interface TestApp {
  app: FastifyInstance
  container: Container
  settings: Settings
  close(): Promise<void>
}

export async function createTestApp(
  env: Record<string, string> = {},
  overrides: ContainerOverrides = {},
  /** Pino options for the app's logger; none by default. */
  logger: FastifyServerOptions['logger'] = false,
): Promise<TestApp> {
  const database = await createTestDatabase()
  // The scaled-out project shares limits through Redis, each app under a prefix of its own.
  const redisUrl = inject('redisUrl')
  const settings = parseSettings({
    DATA_DIR: database.dataDir,
    DATABASE_URL: database.databaseUrl ?? '',
    ...(redisUrl && { REDIS_URL: redisUrl, REDIS_PREFIX: `test:${randomUUID()}:` }),
    LOG_LEVEL: 'silent',
    // Suites that are not about rate limits would spend the quota; test/integration/rate-limits turns them on.
    RATE_LIMIT_ENABLED: 'false',
    // No exchange-rate provider unless a suite brings fake ones (test/support/fake-rates.ts): no internet.
    RATE_PROVIDERS: '',
    // No sweep on a timer: it would add queries to the counted ones; suites call retention.runOnce().
    RETENTION_INTERVAL: '0',
    ...env,
  })
  const container = await createContainer(settings, overrides)
  const app = await buildApp(settings, { logger, container })
  return {
    app,
    container,
    settings,
    async close() {
      await app.close()
      await container.close()
      await database.cleanup()
    },
  }
}

let counter = 0

export interface SignedUp {
  id: string
  username: string
  password: string
  token: string
  auth: { authorization: string }
}

/** Signs a new user up and in; `role: 'admin'` promotes them directly in the database. */
export async function signUpAndIn(
  t: TestApp,
  options: { role?: 'admin'; name?: string } = {},
): Promise<SignedUp> {
  counter += 1
  const username = options.name ?? `user${counter}_${process.pid}`
  const password = 'correct horse battery'
  const created = await t.app.inject({
    method: 'POST',
    url: '/users',
    payload: { username, email: `${username}@example.com`, password },
  })
  if (created.statusCode !== 201) throw new Error(`sign-up failed: ${created.body}`)
  const { id } = created.json()
  if (options.role === 'admin') {
    await t.container.database.db.updateTable('users').set({ role: 'admin' }).where('id', '=', id).execute()
  }
  const token = await signIn(t, username, password)
  return { id, username, password, token, auth: { authorization: `Bearer ${token}` } }
}

export async function signIn(t: TestApp, username: string, password: string): Promise<string> {
  const res = await passwordGrant(t, { username, password })
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.body}`)
  return res.json().access_token
}

export function passwordGrant(
  t: TestApp,
  fields: Record<string, string>,
  remoteAddress = '127.0.0.1',
): Promise<LightMyRequestResponse> {
  return postForm(t, '/token', { grant_type: 'password', ...fields }, remoteAddress)
}

export function refreshGrant(t: TestApp, refreshToken: string, fields: Record<string, string> = {}) {
  return postForm(t, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken, ...fields })
}

export function postForm(
  t: TestApp,
  url: string,
  fields: Record<string, string>,
  remoteAddress = '127.0.0.1',
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  })
}

/** Asserts the RFC 9457 shape and returns the body. */
export function problem(res: LightMyRequestResponse, status: number) {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`)
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected problem+json, got ${res.headers['content-type']}`)
  }
  const body = res.json()
  if (
    body.status !== status ||
    typeof body.type !== 'string' ||
    typeof body.title !== 'string' ||
    !body.request_id
  ) {
    throw new Error(`not a problem document: ${res.body}`)
  }
  return body as {
    type: string
    title: string
    status: number
    detail: string
    request_id: string
    errors?: { in: string; pointer: string; detail: string }[]
  }
}
