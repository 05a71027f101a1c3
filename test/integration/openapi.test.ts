// The published OpenAPI document: valid OpenAPI 3.1, complete enough to build a client from (every
// operation summarised, described, tagged and exemplified, errors as problem+json), and the reference
// page at /docs served from this server.
import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { afterAll, describe, expect, it } from 'vitest'
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '../../src/plugins/problem.ts'
import { createTestApp } from '../support/app.ts'

interface MediaType {
  schema?: Record<string, unknown>
  example?: unknown
  examples?: Record<string, { value?: unknown }>
}
interface Response {
  description?: string
  content?: Record<string, MediaType>
}
interface Operation {
  summary?: string
  description?: string
  tags?: string[]
  security?: Record<string, string[]>[]
  requestBody?: { content?: Record<string, MediaType> }
  responses?: Record<string, Response>
}
interface OpenApiDocument {
  openapi: string
  tags?: { name: string }[]
  paths: Record<string, Record<string, Operation>>
  components?: {
    securitySchemes?: Record<
      string,
      { type: string; flows?: { password?: { tokenUrl: string; scopes: Record<string, string> } } }
    >
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const BODILESS = new Set(['204', '304'])

/**
 * Error responses that are deliberately not problem+json: `operation status` → why. Each must still
 * be documented as `application/json` with an example.
 */
const NOT_PROBLEM_JSON: Record<string, string> = {
  'POST /token 400': 'RFC 6749 §5.2 error shape',
  'POST /token/revoke 400': 'RFC 7009 §2.2.1 answers errors in the RFC 6749 §5.2 shape',
  'GET /health/ready 503': 'the readiness report itself ({status, checks}) for load balancers',
}

// The document is fetched once, at collection time, so every operation becomes a test of its own. Rate
// limits are on, as they are by default, so that the document is the one a deployment serves.
const t = await createTestApp({ RATE_LIMIT_ENABLED: 'true' })
afterAll(() => t.close())
const served = await t.app.inject({ url: '/openapi.json' })
const doc = served.json() as OpenApiDocument

const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
)

const ajv = new Ajv2020({ strict: false, allErrors: true, multipleOfPrecision: 6 })
addFormats.default(ajv)

/** Every example a media type gives: `example`, `examples` and the schema's JSON-Schema `examples`. */
function examplesOf(media: MediaType): unknown[] {
  const found: unknown[] = []
  if (media.example !== undefined) found.push(media.example)
  for (const entry of Object.values(media.examples ?? {})) found.push(entry.value)
  const fromSchema = media.schema?.examples
  if (Array.isArray(fromSchema)) found.push(...fromSchema)
  return found
}

/** What is missing or wrong in one media type's examples (empty when it is fine). */
function exampleProblems(where: string, media: MediaType): string[] {
  const examples = examplesOf(media)
  if (examples.length === 0) return [`${where}: no example (set \`examples\` on the schema)`]
  const validate = ajv.compile(media.schema ?? {})
  return examples.flatMap((example) =>
    validate(example)
      ? []
      : [
          `${where}: example ${JSON.stringify(example)} does not match the schema: ${ajv.errorsText(validate.errors)}`,
        ],
  )
}

/** Every completeness rule for one operation; each entry names the operation and what is missing. */
function operationProblems(name: string, op: Operation): string[] {
  const problems: string[] = []
  if (typeof op.summary !== 'string' || op.summary.trim() === '') problems.push(`${name}: no summary`)
  if (typeof op.description !== 'string' || op.description.trim() === '') {
    problems.push(`${name}: no description`)
  }
  const declaredTags = new Set((doc.tags ?? []).map((tag) => tag.name))
  if (!Array.isArray(op.tags) || op.tags.length === 0) problems.push(`${name}: no tags`)
  for (const tag of op.tags ?? []) {
    if (!declaredTags.has(tag)) problems.push(`${name}: tag "${tag}" is not declared in the document's tags`)
  }

  for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
    problems.push(...exampleProblems(`${name} request body ${type}`, media))
  }

  const responses = op.responses ?? {}
  if (Object.keys(responses).length === 0) problems.push(`${name}: no responses`)
  for (const [status, response] of Object.entries(responses)) {
    const content = response.content ?? {}
    const types = Object.keys(content)
    if (BODILESS.has(status) && types.length > 0) {
      problems.push(
        `${name} ${status}: a ${status} has no body, but the document declares ${types.join(', ')} (use \`type: 'null'\` for a bodiless response)`,
      )
      continue
    }
    for (const [type, media] of Object.entries(content)) {
      // `{ description }` alone as a response schema makes @fastify/swagger invent an untyped JSON body.
      const shape = Object.keys(media.schema ?? {}).filter((key) => key !== 'description' && key !== 'title')
      if (shape.length === 0) {
        problems.push(
          `${name} ${status} ${type}: the schema is empty; if this response has no body, use \`type: 'null'\``,
        )
        continue
      }
      problems.push(...exampleProblems(`${name} ${status} ${type}`, media))
    }
    if (!/^[45]\d\d$/.test(status)) continue
    const key = `${name} ${status}`
    if (NOT_PROBLEM_JSON[key]) {
      if (types.join() !== 'application/json') {
        problems.push(`${key}: expected application/json (${NOT_PROBLEM_JSON[key]}), got ${types.join(', ')}`)
      }
      continue
    }
    if (types.join() !== PROBLEM_CONTENT_TYPE) {
      problems.push(
        `${key}: error responses are ${PROBLEM_CONTENT_TYPE}, got ${types.join(', ') || 'no content'}`,
      )
      continue
    }
    const example = examplesOf(content[PROBLEM_CONTENT_TYPE] as MediaType)[0] as
      | { status?: unknown; type?: unknown }
      | undefined
    if (example && example.status !== Number(status)) {
      problems.push(`${key}: the example problem has status ${String(example.status)}`)
    }
    if (example && !String(example.type).startsWith(`${PROBLEM_TYPE_BASE}#`)) {
      problems.push(
        `${key}: the example problem's type ${String(example.type)} is not under ${PROBLEM_TYPE_BASE}`,
      )
    }
  }

  if (Array.isArray(op.security) && op.security.length > 0 && !responses['401']) {
    problems.push(`${name}: declares security but does not document 401`)
  }
  return problems
}

describe('GET /openapi.json', () => {
  it('is served as JSON', () => {
    expect(served.statusCode).toBe(200)
    expect(served.headers['content-type']).toMatch(/^application\/json/)
  })

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./)
    const validator = new Validator()
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>)
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
  })

  it('lists the public paths', () => {
    for (const path of [
      '/users',
      '/users/me',
      '/users/{id}',
      '/items',
      '/items/{id}',
      '/token',
      '/health/live',
      '/health/ready',
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path)
    }
    // Documentation endpoints themselves are not part of the API.
    expect(Object.keys(doc.paths)).not.toContain('/openapi.json')
    expect(operations.length).toBeGreaterThan(0)
  })

  it('declares the OAuth2 password flow with its token URL and scopes', () => {
    const schemes = Object.values(doc.components?.securitySchemes ?? {})
    const oauth = schemes.find((scheme) => scheme.type === 'oauth2' && scheme.flows?.password)
    expect(oauth, 'an oauth2 security scheme with a password flow').toBeDefined()
    const flow = oauth?.flows?.password
    expect(flow?.tokenUrl).toBe('/token')
    expect(Object.keys(flow?.scopes ?? {}).sort()).toEqual(['items:read', 'items:write', 'users:admin'])
    for (const [scope, description] of Object.entries(flow?.scopes ?? {})) {
      expect(description, `description of scope ${scope}`).not.toBe('')
    }
  })

  it('only names security schemes and scopes it declares', () => {
    const schemes = doc.components?.securitySchemes ?? {}
    for (const { name, operation } of operations) {
      for (const requirement of operation.security ?? []) {
        for (const [scheme, scopes] of Object.entries(requirement)) {
          expect(schemes[scheme], `${name}: security scheme ${scheme}`).toBeDefined()
          const known = Object.keys(schemes[scheme]?.flows?.password?.scopes ?? {})
          for (const scope of scopes) expect(known, `${name}: scope ${scope}`).toContain(scope)
        }
      }
    }
  })
})

describe('every operation is documented completely', () => {
  it.each(operations)('$name', ({ name, operation }) => {
    expect(operationProblems(name, operation)).toEqual([])
  })

  it('the check names an operation that lacks examples, a 401 or problem+json', () => {
    const bare = { schema: { type: 'object' } }
    const problems = operationProblems('POST /widgets', {
      summary: 'Make a widget',
      description: 'Makes one.',
      tags: ['items'],
      security: [{ OAuth2: ['items:write'] }],
      requestBody: { content: { 'application/json': bare } },
      responses: {
        201: { content: { 'application/json': bare } },
        404: { content: { 'application/json': bare } },
      },
    })
    expect(problems).toEqual([
      expect.stringMatching(/^POST \/widgets request body application\/json: no example/),
      expect.stringMatching(/^POST \/widgets 201 application\/json: no example/),
      expect.stringMatching(/^POST \/widgets 404 application\/json: no example/),
      expect.stringMatching(/^POST \/widgets 404: error responses are application\/problem\+json/),
      'POST /widgets: declares security but does not document 401',
    ])
  })
})

describe('rate limits in the document', () => {
  // Probes are exempt from limits; everything else documents its 429 and the RateLimit headers.
  const limited = operations.filter(({ name }) => !/ \/health\//.test(name))

  it.each(limited)('$name documents 429 and the RateLimit headers', ({ operation }) => {
    const responses = operation.responses ?? {}
    const tooMany = responses['429'] as { content?: object; headers?: Record<string, unknown> } | undefined
    expect(tooMany?.content).toHaveProperty(['application/problem+json'])
    expect(Object.keys(tooMany?.headers ?? {}).sort()).toEqual([
      'ratelimit',
      'ratelimit-policy',
      'retry-after',
    ])
    for (const [status, response] of Object.entries(responses)) {
      if (!status.startsWith('2')) continue
      expect(Object.keys((response as { headers?: object }).headers ?? {}), status).toEqual(
        expect.arrayContaining(['ratelimit', 'ratelimit-policy']),
      )
    }
  })

  it('leaves the probes unlimited', () => {
    for (const path of ['/health/live', '/health/ready']) {
      expect(doc.paths?.[path]?.get?.responses ?? {}).not.toHaveProperty('429')
    }
  })
})

describe('GET /docs', () => {
  it('serves the reference page and its scripts from this server', async () => {
    let url = '/docs'
    let res = await t.app.inject({ url })
    for (let hops = 0; hops < 5 && res.statusCode >= 300 && res.statusCode < 400; hops++) {
      const location = res.headers.location
      expect(location, `redirect from ${url} has a Location`).toBeTypeOf('string')
      url = new URL(String(location), `http://localhost${url}`).pathname
      res = await t.app.inject({ url })
    }
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    const html = res.body
    expect(html).toMatch(/swagger-ui/i)

    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1] ?? '')
    const styles = [...html.matchAll(/<link\b[^>]*\bhref\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1] ?? '')
    expect(scripts.length).toBeGreaterThan(0)
    const base = `http://localhost${url}`
    for (const src of [...scripts, ...styles]) {
      const resolved = new URL(src, base)
      expect(resolved.origin, `${src} loads from another host`).toBe('http://localhost')
      expect(src, `${src} loads from another host`).not.toMatch(/^(https?:)?\/\//i)
    }
    for (const src of scripts) {
      const asset = await t.app.inject({ url: new URL(src, base).pathname })
      expect(asset.statusCode, src).toBe(200)
      expect(asset.headers['content-type'], src).toMatch(/javascript/)
    }

    // The page's Content-Security-Policy lets scripts come only from this origin.
    const csp = String(res.headers['content-security-policy'] ?? '')
    const scriptSrc = csp.split(';').find((directive) => directive.trim().startsWith('script-src '))
    expect(scriptSrc, 'a script-src directive').toBeDefined()
    expect(scriptSrc).toContain("'self'")
    expect(scriptSrc).not.toMatch(/https?:|\*/)
  })

  it('renders the same document as /openapi.json', async () => {
    const res = await t.app.inject({ url: '/docs/json' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual(doc)
  })
})
