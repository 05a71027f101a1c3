// Requests generated from the OpenAPI document, and responses checked against it. A generated request is a
// printable description (so fast-check can show the counterexample); `build` turns it into an inject call and
// says which of its parts the document refuses.

import fc, { type Arbitrary } from 'fast-check'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { accepts, invalid, type JsonSchema, schemaErrors, valid } from './schema-arbitrary.ts'

interface MediaType {
  schema?: JsonSchema
}
interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
  required?: boolean
  schema: JsonSchema
}
export interface Operation {
  name: string
  method: string
  path: string
  parameters: Parameter[]
  requestBody?: { required?: boolean; content: Record<string, MediaType> }
  responses: Record<string, { content?: Record<string, MediaType> }>
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Omit<Operation, 'name' | 'method' | 'path'>>>
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch']

export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({
        ...op,
        parameters: op.parameters ?? [],
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
      })),
  )
}

// --- Generated requests --------------------------------------------------------------------------------

/** A value worth trying that only exists at run time (a real id, the current ETag): `hints[name][i % n]`. */
export interface Hint {
  hint: string
  i: number
}
type Value = unknown | Hint

export interface GeneratedRequest {
  caller: string
  path: Record<string, Value>
  query: Record<string, Value>
  /** Query text appended as is: unknown names, malformed percent-escapes. */
  rawQuery?: string
  headers: Record<string, Value>
  accept?: string
  contentType?: string
  /** A JSON value to serialise, or `{ raw }`: text sent as it is. */
  body?: { value: unknown } | { raw: string }
}

const isHint = (v: unknown): v is Hint => typeof v === 'object' && v !== null && 'hint' in v

const hint = (name: string) => fc.record({ hint: fc.constant(name), i: fc.nat(9) })

/** A value the document accepts for a named part: the run-time values when there are some, else generated. */
function goodValue(name: string, schema: JsonSchema, hinted: Set<string>): Arbitrary<Value> {
  return hinted.has(name) ? fc.oneof({ arbitrary: hint(name), weight: 5 }, valid(schema)) : valid(schema)
}

/** A value the document refuses; in a path, query or header it is text (or repeated text). */
function badValue(schema: JsonSchema, textOnly: boolean): Arbitrary<Value> {
  return textOnly ? invalid(schema).filter(isTextual) : invalid(schema)
}

/** A body whose fields take the run-time values where there are some (a real username and password). */
function goodBody(schema: JsonSchema, hinted: Set<string>): Arbitrary<Record<string, Value>> {
  const required = new Set(schema.required ?? [])
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const value = goodValue(name, property, hinted)
    // Optional fields mostly left out: a grant with a stray scope is refused, and so is the sign-in.
    return [
      name,
      required.has(name) ? value : fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, value),
    ]
  })
  return fc.record(Object.fromEntries(fields))
}

const isTextual = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v) || Array.isArray(v)

// Header values are visible ASCII (Node refuses anything else before it is sent).
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 30,
})

const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/json; charset=utf-8',
  'multipart/form-data; boundary=x',
]
const RAW_BODIES = ['', '{', 'null', '[]', '"text"', '{"a":', '{"__proto__":{"x":1}}', 'a=1&b=2']
const RAW_QUERIES = ['%ff=1', 'limit=%zz', '%', 'a=%e2%82']

export interface Callers {
  /** Callers whose credentials work (or who send none). */
  good: string[]
  /** Callers whose Authorization header is bad: forged, garbage, malformed, another scheme. */
  bad: string[]
}

/**
 * Requests for one operation. Each has at most one fault, so that the refusal of one part never hides what
 * the others do: none (every part as the document wants, so the happy paths run), or one path, query or
 * body value refused, a wrong content type, a raw body, a malformed query string or a bad caller.
 */
export function requestArbitrary(
  op: Operation,
  callers: Callers,
  hinted: Set<string>,
): Arbitrary<GeneratedRequest> {
  const byPlace = (place: Parameter['in']) => op.parameters.filter((p) => p.in === place)
  const media = Object.entries(op.requestBody?.content ?? {})
  const bodySchema = media.find(
    ([type]) => type === 'application/json' || type.includes('form-urlencoded'),
  )?.[1].schema
  const faults = [
    'caller',
    'query string',
    ...byPlace('path').map((p) => `path ${p.name}`),
    ...byPlace('query').map((p) => `query ${p.name}`),
    ...(bodySchema ? ['body', 'raw body', 'content-type'] : []),
  ]
  const optional = <T>(a: Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 })
  const withFault = (fault: string) => {
    const part = (key: string, name: string, schema: JsonSchema, textOnly: boolean) =>
      fault === key ? badValue(schema, textOnly) : goodValue(name, schema, hinted)
    const query = byPlace('query')
    const body = () => {
      if (!bodySchema) return fc.constant(undefined)
      if (fault === 'body') return invalid(bodySchema).map((value) => ({ value }))
      if (fault === 'raw body') return fc.constantFrom(...RAW_BODIES).map((raw) => ({ raw }))
      const good = fc.oneof(goodBody(bodySchema, hinted), valid(bodySchema)).map((value) => ({ value }))
      return op.requestBody?.required ? good : optional(good)
    }
    return fc.record(
      {
        caller: fc.constantFrom(...(fault === 'caller' ? callers.bad : callers.good)),
        path: fc.record(
          Object.fromEntries(
            byPlace('path').map((p) => [p.name, part(`path ${p.name}`, p.name, p.schema, true)]),
          ),
        ),
        // Optional parameters are mostly left out, so that their rules (min_price ≤ max_price) rarely collide.
        query: fc.record(
          Object.fromEntries(
            query.map((p) => {
              const value = part(`query ${p.name}`, p.name, p.schema, true)
              const sent = p.required || fault === `query ${p.name}`
              return [
                p.name,
                sent ? value : fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, value),
              ]
            }),
          ),
        ),
        rawQuery:
          fault === 'query string'
            ? fc.constantFrom(...RAW_QUERIES)
            : optional(fc.constant('unknown_parameter=1')),
        headers: fc.record(
          Object.fromEntries(byPlace('header').map((p) => [p.name, fc.oneof(hint(p.name), headerText)])),
          { requiredKeys: [] },
        ),
        accept: optional(
          fc.constantFrom('application/json', 'application/problem+json', 'text/html', '*/*', 'image/png'),
        ),
        contentType:
          fault === 'content-type'
            ? fc.constantFrom(undefined, ...CONTENT_TYPES)
            : fc.constant(bodySchema ? media[0]?.[0] : undefined),
        body: body(),
      },
      { requiredKeys: ['caller', 'path', 'query', 'headers'] },
    ) as Arbitrary<GeneratedRequest>
  }
  // Half the requests have no fault, so that the happy paths run as often as the refusals.
  return fc.oneof(
    { arbitrary: withFault('none'), weight: faults.length },
    ...faults.map((fault) => ({ arbitrary: withFault(fault), weight: 1 })),
  )
}

// --- From a generated request to an inject call -----------------------------------------------------------

export type Hints = Record<string, string[]>

/** The pool for a hint: the operation's own (`/rooms/{name}/messages cursor`) before the shared one. */
function resolve(value: Value, hints: Hints, scope = ''): unknown {
  if (!isHint(value)) return value
  const pool = hints[`${scope} ${value.hint}`] ?? hints[value.hint] ?? []
  return pool.length ? pool[value.i % pool.length] : ''
}

function resolveDeep(value: unknown, hints: Hints, scope: string): unknown {
  if (isHint(value)) return resolve(value, hints, scope)
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, hints, scope))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, hints, scope)]))
  }
  return value
}

// Query strings, paths and headers are text, and a number in them is plain decimal (src/plugins/validation.ts).
const PLAIN = { integer: /^-?\d+$/, number: /^-?\d+(\.\d+)?$/ }

/** Whether the document accepts this text (or these repeated texts) for a parameter. */
export function textAccepted(schema: JsonSchema, value: unknown): boolean {
  if (Array.isArray(value)) {
    // A parameter sent once is one value (ajv's coerceTypes: 'array' takes [x] as x); more is refused.
    if (schema.type === 'array') return value.every((v) => textAccepted(schema.items ?? {}, v))
    return value.length === 1 && textAccepted(schema, value[0])
  }
  const t = String(value)
  if (!t.isWellFormed()) return false
  if (schema.type === 'integer' || schema.type === 'number')
    return PLAIN[schema.type].test(t) && accepts(schema, Number(t))
  if (schema.type === 'boolean') return (t === 'true' || t === 'false') && accepts(schema, t === 'true')
  return accepts(schema, t)
}

const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))

export interface Built {
  inject: InjectOptions
  /** The parts of the request the document refuses; empty for a request it accepts. */
  refused: string[]
}

export function build(
  op: Operation,
  g: GeneratedRequest,
  hints: Hints,
  authorization: string | undefined,
): Built {
  const refused: string[] = []
  let url = op.path
  for (const p of op.parameters.filter((p) => p.in === 'path')) {
    const value = resolve(g.path[p.name], hints, op.path)
    // An empty segment addresses another route, not this operation with a refused id; so do "." and "..",
    // which URL resolution removes before a request is sent (RFC 3986 §5.2.4; inject too), even encoded.
    const text = asText(value)
    const segment = text === '' || text === '.' || text === '..' ? '-' : text
    if (!textAccepted(p.schema, segment)) refused.push(`path ${p.name}`)
    url = url.replace(`{${p.name}}`, encodeURIComponent(segment.toWellFormed()))
  }
  const pairs: string[] = []
  for (const p of op.parameters.filter((p) => p.in === 'query')) {
    if (g.query[p.name] === undefined) continue
    const value = resolve(g.query[p.name], hints, op.path)
    // No value at all is no parameter.
    if (Array.isArray(value) && value.length === 0) continue
    const values = Array.isArray(value) ? value.map(asText) : [asText(value)]
    if (!textAccepted(p.schema, Array.isArray(value) ? values : values[0])) refused.push(`query ${p.name}`)
    for (const v of values)
      pairs.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(v.toWellFormed())}`)
  }
  if (g.rawQuery) {
    pairs.push(g.rawQuery)
    if (g.rawQuery.includes('%')) refused.push('query encoding')
  }
  if (pairs.length) url += `?${pairs.join('&')}`

  const headers: Record<string, string> = {}
  if (authorization) headers.authorization = authorization
  if (g.accept) headers.accept = g.accept
  for (const [name, value] of Object.entries(g.headers))
    headers[name] = String(resolve(value, hints, op.path))

  const inject: InjectOptions = { method: op.method as 'GET', url, headers }
  const media = op.requestBody?.content ?? {}
  if (g.contentType) headers['content-type'] = g.contentType
  const mediaType = g.contentType?.split(';')[0]?.trim()
  if (g.body) {
    const schema = mediaType ? media[mediaType]?.schema : undefined
    if (!schema) refused.push('content-type')
    if ('raw' in g.body) {
      inject.payload = g.body.raw
      let parsed: unknown
      try {
        parsed = mediaType === 'application/json' ? JSON.parse(g.body.raw) : undefined
      } catch {
        parsed = undefined
      }
      if (parsed === undefined || (schema && !accepts(schema, parsed))) refused.push('body')
    } else if (mediaType?.includes('form-urlencoded')) {
      const fields = resolveDeep(g.body.value, hints, op.path)
      const form = fields && typeof fields === 'object' && !Array.isArray(fields) ? fields : { value: fields }
      const entries = Object.entries(form)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, asText(v).toWellFormed()])
      inject.payload = new URLSearchParams(entries).toString()
      if (schema && !accepts(schema, Object.fromEntries(entries))) refused.push('body')
    } else {
      const serialised = JSON.stringify(resolveDeep(g.body.value, hints, op.path)) ?? ''
      inject.payload = serialised
      // What the server sees is the JSON text: undefined fields vanish, -0 is 0, Infinity is null.
      if (serialised === '' || (schema && !accepts(schema, JSON.parse(serialised)))) refused.push('body')
    }
  } else if (op.requestBody?.required) {
    refused.push('body missing')
  }
  return { inject, refused }
}

// --- Responses against the document ------------------------------------------------------------------------

/** What is wrong with a response by the document (empty when nothing is). */
export function responseProblems(op: Operation, res: LightMyRequestResponse): string[] {
  const status = String(res.statusCode)
  const documented = op.responses[status] ?? op.responses[`${status[0]}XX`] ?? op.responses.default
  if (!documented) return [`status ${status} is not documented for ${op.name}: ${res.body.slice(0, 300)}`]
  const content = documented.content ?? {}
  if (Object.keys(content).length === 0) {
    return res.body === '' ? [] : [`${status} documents no body, got: ${res.body.slice(0, 200)}`]
  }
  const type =
    String(res.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim() ?? ''
  const schema = content[type]?.schema
  if (!schema)
    return [`${status} answered ${type || 'no content type'}; documented: ${Object.keys(content).join(', ')}`]
  let body: unknown
  try {
    body = JSON.parse(res.body)
  } catch {
    return [`${status} body is not JSON: ${res.body.slice(0, 200)}`]
  }
  const wrong = schemaErrors(schema, body)
  return wrong
    ? [`${status} ${type} body does not match its schema (${wrong}): ${res.body.slice(0, 400)}`]
    : []
}

/** Entries of a problem's `errors` that name a place the operation takes nothing in and the request sent nothing in. */
export function misplacedErrors(op: Operation, inject: InjectOptions, res: LightMyRequestResponse): string[] {
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) return []
  const errors = (res.json() as { errors?: { in: string; pointer: string }[] }).errors ?? []
  const sent = new Set(['path', 'header'])
  if (String(inject.url).includes('?') || op.parameters.some((p) => p.in === 'query')) sent.add('query')
  if (inject.payload !== undefined || op.requestBody) sent.add('body')
  return errors.filter((e) => !sent.has(e.in)).map((e) => `${e.in} ${e.pointer}`)
}
