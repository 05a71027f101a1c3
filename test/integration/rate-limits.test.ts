// Rate limits over REST: exact counts, the IETF headers, 429 problems, exempt routes, per-route costs,
// per-user and per-IP buckets, and client addresses behind trusted proxies. Runs on the in-process store
// (sqlite project) and on Redis (postgres project).
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createTestApp, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'

const apps: TestApp[] = []

async function appWith(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await createTestApp({
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_ANONYMOUS: '5',
    RATE_LIMIT_USER: '8',
    RATE_LIMIT_AUTH: '1000',
    RATE_LIMIT_WINDOW: '3600',
    ...env,
  })
  apps.push(t)
  return t
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((t) => t.close()))
})
afterAll(async () => {
  await Promise.all(apps.map((t) => t.close()))
})

function get(t: TestApp, url: string, options: { ip?: string; headers?: Record<string, string> } = {}) {
  return t.app.inject({ url, remoteAddress: options.ip ?? '192.0.2.1', headers: options.headers ?? {} })
}

async function statuses(t: TestApp, n: number, url: string, options: Parameters<typeof get>[2] = {}) {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((await get(t, url, options)).statusCode)
  return out
}

describe('the anonymous policy (per client IP)', () => {
  it('lets exactly the quota through, then answers 429', async () => {
    const t = await appWith()
    expect(await statuses(t, 6, '/items')).toEqual([200, 200, 200, 200, 200, 429])
  })

  it('says where the caller stands on every response', async () => {
    const t = await appWith()
    const first = await get(t, '/items')
    expect(first.headers['ratelimit-policy']).toBe('"anonymous";q=5;w=3600')
    // One request spent: 4 left, and the bucket is full again after one emission interval (3600/5 s).
    expect(first.headers.ratelimit).toBe('"anonymous";r=4;t=720')
    const second = await get(t, '/items')
    expect(second.headers.ratelimit).toBe('"anonymous";r=3;t=1440')
  })

  it('answers 429 with a quota-exceeded problem naming the policy, and Retry-After ≥ t', async () => {
    const t = await appWith()
    await statuses(t, 5, '/items')
    const res = await get(t, '/items')
    expect(res.statusCode).toBe(429)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    const body = res.json()
    expect(body.type).toMatch(/#quota-exceeded$/)
    expect(body.detail).toContain('Rate limit exceeded')
    expect(body.policy).toEqual({ name: 'anonymous', limit: 5, window: 3600 })
    const t429 = Number(/;t=(\d+)$/.exec(String(res.headers.ratelimit))?.[1])
    expect(res.headers.ratelimit).toMatch(/^"anonymous";r=0;t=\d+$/)
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(t429)
    expect(Number(res.headers['retry-after'])).toBe(720)
  })

  it('counts unknown paths and bad tokens too, so neither is a free way to probe', async () => {
    const t = await appWith()
    await get(t, '/nowhere')
    await get(t, '/users/me', { headers: { authorization: 'Bearer not.a.token' } })
    const res = await get(t, '/items')
    expect(res.headers.ratelimit).toMatch(/^"anonymous";r=2;/)
  })
})

describe('exempt routes', () => {
  it('health, docs and the OpenAPI document are neither limited nor counted', async () => {
    const t = await appWith({ RATE_LIMIT_ANONYMOUS: '1' })
    for (const url of ['/health/live', '/health/ready', '/openapi.json', '/docs']) {
      const res = await get(t, url)
      expect(res.statusCode, url).toBeLessThan(400)
      expect(res.headers.ratelimit, url).toBeUndefined()
    }
    expect((await get(t, '/items')).statusCode).toBe(200)
    expect((await get(t, '/health/live')).statusCode).toBe(200)
    expect((await get(t, '/items')).statusCode).toBe(429)
  })
})

describe('costs and policies of their own', () => {
  it('a text search costs two units', async () => {
    const t = await appWith()
    const res = await get(t, '/items?q=tea')
    expect(res.headers.ratelimit).toMatch(/^"anonymous";r=3;/)
    await get(t, '/items?q=tea')
    // One unit left: a search (two) is refused, a plain listing (one) is not.
    expect((await get(t, '/items?q=tea')).statusCode).toBe(429)
    expect((await get(t, '/items')).statusCode).toBe(200)
  })

  it('sign-up and /token draw on the stricter auth policy, per IP', async () => {
    const t = await appWith({ RATE_LIMIT_AUTH: '2' })
    const signUp = (n: number) =>
      t.app.inject({
        method: 'POST',
        url: '/users',
        remoteAddress: '192.0.2.50',
        payload: { username: `quota${n}`, email: `quota${n}@example.com`, password: 'long enough' },
      })
    const first = await signUp(1)
    expect(first.statusCode).toBe(201)
    expect(first.headers['ratelimit-policy']).toBe('"auth";q=2;w=3600')
    expect((await signUp(2)).statusCode).toBe(201)
    const third = await signUp(3)
    expect(third.statusCode).toBe(429)
    expect(third.json().policy.name).toBe('auth')
    // The anonymous quota is untouched.
    expect((await get(t, '/items', { ip: '192.0.2.50' })).headers.ratelimit).toMatch(/^"anonymous";r=4;/)
  })
})

describe('buckets', () => {
  it('a signed-in user spends their own quota, not their network’s', async () => {
    const t = await appWith({ RATE_LIMIT_AUTH: '1000' })
    const user: SignedUp = await signUpAndIn(t)
    const asUser = { ip: '127.0.0.1', headers: user.auth }
    const first = await get(t, '/users/me', asUser)
    expect(first.headers['ratelimit-policy']).toBe('"user";q=8;w=3600')
    expect(first.headers.ratelimit).toMatch(/^"user";r=7;/)
    // Anonymous requests from the same address do not touch the user's bucket.
    await statuses(t, 5, '/items', { ip: '127.0.0.1' })
    expect((await get(t, '/items', { ip: '127.0.0.1' })).statusCode).toBe(429)
    expect((await get(t, '/users/me', asUser)).headers.ratelimit).toMatch(/^"user";r=6;/)
  })

  it('two users have two buckets', async () => {
    const t = await appWith({ RATE_LIMIT_USER: '2' })
    const [a, b] = [await signUpAndIn(t), await signUpAndIn(t)]
    expect(await statuses(t, 3, '/users/me', { headers: a.auth })).toEqual([200, 200, 429])
    expect((await get(t, '/users/me', { headers: b.auth })).statusCode).toBe(200)
  })

  it('two addresses have two buckets; an IPv6 /64 is one', async () => {
    const t = await appWith({ RATE_LIMIT_ANONYMOUS: '2' })
    expect(await statuses(t, 3, '/items', { ip: '198.51.100.1' })).toEqual([200, 200, 429])
    expect((await get(t, '/items', { ip: '198.51.100.2' })).statusCode).toBe(200)
    expect((await get(t, '/items', { ip: '2001:db8:1:1::1' })).statusCode).toBe(200)
    expect((await get(t, '/items', { ip: '2001:db8:1:1:ffff::2' })).statusCode).toBe(200)
    expect((await get(t, '/items', { ip: '2001:db8:1:1::3' })).statusCode).toBe(429)
    expect((await get(t, '/items', { ip: '2001:db8:1:2::1' })).statusCode).toBe(200)
  })
})

describe('X-Forwarded-For', () => {
  it('is ignored from a peer that is not a trusted proxy: spoofing it never changes the bucket', async () => {
    const t = await appWith({ RATE_LIMIT_ANONYMOUS: '2' })
    const spoofed = (n: number) => ({ ip: '203.0.113.9', headers: { 'x-forwarded-for': `10.0.0.${n}` } })
    expect((await get(t, '/items', spoofed(1))).statusCode).toBe(200)
    expect((await get(t, '/items', spoofed(2))).statusCode).toBe(200)
    expect((await get(t, '/items', spoofed(3))).statusCode).toBe(429)
  })

  it('names the client when the peer is a trusted proxy (listed by address or CIDR)', async () => {
    const t = await appWith({ RATE_LIMIT_ANONYMOUS: '2', TRUST_PROXY: '10.1.0.0/16, 192.0.2.77' })
    for (const proxy of ['10.1.2.3', '192.0.2.77']) {
      const via = (client: string) => ({ ip: proxy, headers: { 'x-forwarded-for': client } })
      expect(await statuses(t, 3, '/items', via(`198.51.100.${proxy.length}`))).toEqual([200, 200, 429])
    }
    // Another client behind the same proxy has a bucket of its own.
    expect(
      (await get(t, '/items', { ip: '10.1.2.3', headers: { 'x-forwarded-for': '198.51.100.200' } }))
        .statusCode,
    ).toBe(200)
    // A client cannot prepend a fake address: only the hop the trusted proxy saw counts.
    const forged = { ip: '10.1.2.3', headers: { 'x-forwarded-for': '1.2.3.4, 198.51.100.8' } }
    const honest = { ip: '10.1.2.3', headers: { 'x-forwarded-for': '198.51.100.8' } }
    await get(t, '/items', forged)
    expect((await get(t, '/items', honest)).headers.ratelimit).toMatch(/^"anonymous";r=0;/)
  })
})

describe('concurrency', () => {
  it('200 simultaneous requests against a limit of 50 let exactly 50 through', async () => {
    const t = await appWith({ RATE_LIMIT_ANONYMOUS: '50' })
    const results = await Promise.all(
      Array.from({ length: 200 }, () => get(t, '/health/live').then(() => get(t, '/items'))),
    )
    const codes = results.map((r) => r.statusCode)
    expect(codes.filter((c) => c === 200)).toHaveLength(50)
    expect(codes.filter((c) => c === 429)).toHaveLength(150)
  })
})

describe('when disabled', () => {
  it('RATE_LIMIT_ENABLED=false sends no headers and never refuses', async () => {
    const t = await appWith({ RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_ANONYMOUS: '1' })
    expect(await statuses(t, 3, '/items')).toEqual([200, 200, 200])
    expect((await get(t, '/items')).headers.ratelimit).toBeUndefined()
  })
})

describe('GraphQL draws on the same buckets, by cost', () => {
  const query = (first: number) => ({ query: `{ items(first: ${first}) { nodes { id } } }` })

  it('charges an operation one unit per hundred nodes, and reports it', async () => {
    const t = await appWith({ RATE_LIMIT_ANONYMOUS: '5' })
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      remoteAddress: '192.0.2.60',
      payload: query(10),
    })
    expect(res.headers.ratelimit).toMatch(/^"anonymous";r=4;/)
    expect(res.json().extensions.cost).toEqual({ complexity: 11, charged: 1, remaining: 4 })
    // 1 + 100 nodes: two units.
    const big = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      remoteAddress: '192.0.2.60',
      payload: query(100),
    })
    expect(big.json().extensions.cost).toMatchObject({ complexity: 101, charged: 2, remaining: 2 })
    // REST and GraphQL share the bucket.
    expect((await get(t, '/items', { ip: '192.0.2.60' })).headers.ratelimit).toMatch(/^"anonymous";r=1;/)
  })

  it('refuses an operation the bucket cannot pay for with RATE_LIMITED and HTTP 429, before it runs', async () => {
    const t = await appWith({ RATE_LIMIT_ANONYMOUS: '1' })
    await get(t, '/items', { ip: '192.0.2.61' })
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      remoteAddress: '192.0.2.61',
      payload: query(5),
    })
    expect(res.statusCode).toBe(429)
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    const body = res.json()
    expect(body.data ?? null).toBeNull()
    expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED' })
    expect(body.errors[0].message).toContain('Rate limit exceeded')
  })
})
