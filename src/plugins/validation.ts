// Request validation: bodies are checked as sent (no coercion, unknown fields refused, every error
// reported); query strings, paths and headers are text, so their numbers and booleans are coerced, but only
// from plain decimal text. Text that is not well-formed Unicode is refused wherever it is sent, before any
// route runs, rather than stored as something else than what was sent.
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv'
import type { FastifyInstance, FastifySchema } from 'fastify'
import { rulesAjv } from '../domain/check.ts'

// Every error of a request is reported, and nothing sent is dropped.
function build(options: Options): Ajv {
  return rulesAjv({ allErrors: true, removeAdditional: false, useDefaults: true, ...options })
}

/** An error in ajv's shape, the one Fastify gives its validation errors and src/plugins/errors.ts reports. */
function fieldError(instancePath: string, keyword: string, message: string): ErrorObject {
  return { instancePath, schemaPath: '', keyword, message, params: {} }
}

function invalid(context: 'body' | 'querystring', errors: ErrorObject[]): Error {
  // FST_ERR_VALIDATION: what GraphQL (mercurius) also reports as a malformed request, a 400.
  const where = context === 'body' ? 'body' : 'query'
  const message = errors.map((e) => `${where} ${e.instancePath || '/'} ${e.message}`).join('; ')
  return Object.assign(new Error(`Invalid request: ${message}.`), {
    statusCode: 400,
    code: 'FST_ERR_VALIDATION',
    validation: errors,
    validationContext: context,
  })
}

function pointerTo(path: readonly (string | number)[]): string {
  return path
    .map((part) => `/${String(part).toWellFormed().replaceAll('~', '~0').replaceAll('/', '~1')}`)
    .join('')
}

const ILL_FORMED = 'is not well-formed Unicode: it has a lone surrogate (\\ud800-\\udfff without its pair)'

interface Step {
  node: unknown
  key?: string | number
  parent?: Step
}

// The path is kept as links to the parent, not copied per node: a deep body must not cost its depth squared.
function pointerOf(step: Step): string {
  const path: (string | number)[] = []
  for (let at: Step | undefined = step; at?.key !== undefined; at = at.parent) path.push(at.key)
  return pointerTo(path.reverse())
}

/** The JSON pointer of the first string or key in a parsed JSON value that is not well-formed UTF-16. */
export function illFormedPointer(value: unknown): string | undefined {
  // Iterative: a body may nest deeper than the call stack goes.
  const stack: Step[] = [{ node: value }]
  for (let step = stack.pop(); step; step = stack.pop()) {
    const { node } = step
    if (typeof node === 'string') {
      if (!node.isWellFormed()) return pointerOf(step)
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], key: i, parent: step })
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node)
      for (const key of keys) if (!key.isWellFormed()) return pointerOf({ node, key, parent: step })
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string
        stack.push({ node: (node as Record<string, unknown>)[key], key, parent: step })
      }
    }
  }
  return undefined
}

// JSON can only carry a lone surrogate as a \u escape in the range D800-DFFF; most bodies have none.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/

// Ill-formed percent-escapes in a query string, per parsed query object.
const MALFORMED = Symbol('malformed query parameters')
const MALFORMED_DETAIL = 'is not valid percent-encoded UTF-8 (a literal % is sent as %25)'

function decode(text: string): string | undefined {
  if (!text.includes('%') && !text.includes('+')) return text
  try {
    return decodeURIComponent(text.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}

/**
 * The query string parser: like Fastify's (a repeated name gives an array, `+` is a space), except that a
 * percent-escape that is not UTF-8 (`%ff`) is noted, for the request to be refused naming it, instead of
 * decoding to garbage.
 */
export function parseQueryString(text: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null)
  const malformed: string[] = []
  for (const pair of text.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const rawName = eq === -1 ? pair : pair.slice(0, eq)
    const decodedName = decode(rawName)
    const name = decodedName ?? rawName
    const value = decode(eq === -1 ? '' : pair.slice(eq + 1))
    if (decodedName === undefined || value === undefined) malformed.push(name)
    const given = query[name]
    const decoded = value ?? ''
    if (given === undefined) query[name] = decoded
    else if (Array.isArray(given)) given.push(decoded)
    else query[name] = [given, decoded]
  }
  if (malformed.length > 0) Object.defineProperty(query, MALFORMED, { value: [...new Set(malformed)] })
  return query
}

// Query strings, paths and headers are text: a number in them is plain decimal, never `0x10`, ` 5` or `1e1`,
// which ajv's coercion (Number()) would accept.
const PLAIN = { integer: /^-?\d+$/, number: /^-?\d+(\.\d+)?$/ } as const
const PLAIN_DETAIL = {
  integer: 'must be a whole number in decimal digits',
  number: 'must be a number in decimal notation, like 12.5',
} as const

function numericProperties(schema: object): [string, 'integer' | 'number'][] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {}
  const found: [string, 'integer' | 'number'][] = []
  for (const [name, property] of Object.entries(properties)) {
    if (property.type === 'integer' || property.type === 'number') found.push([name, property.type])
  }
  return found
}

function isPlain(value: unknown, pattern: RegExp): boolean {
  if (typeof value === 'string') return pattern.test(value)
  if (Array.isArray(value)) return value.every((item) => isPlain(item, pattern))
  return true
}

// Checks numbers as the client wrote them, before ajv coerces them in place.
function plainNumbers(validate: ValidateFunction, schema: object): ValidateFunction {
  const numeric = numericProperties(schema)
  if (numeric.length === 0) return validate
  const checked = ((data: Record<string, unknown> | null, context?: object) => {
    const errors: ErrorObject[] = []
    for (const [name, type] of numeric) {
      if (!isPlain(data?.[name], PLAIN[type]))
        errors.push(fieldError(pointerTo([name]), 'type', PLAIN_DETAIL[type]))
    }
    const valid = validate(data, context as never)
    checked.errors = [...errors, ...(valid ? [] : (validate.errors ?? []))]
    return errors.length === 0 && valid
  }) as ValidateFunction
  // Fastify hands ajv the parent object (so that it may coerce the root) only when it sees this.
  checked.schemaEnv = validate.schemaEnv
  return checked
}

// Compiled on the route's first request, not at start-up: with the serializers, that took ~80 ms of a ~715 ms
// restart (ajv's 47 compiles were 95 ms, 58 ms of it the settings' check, which still runs at start), and a
// route never called never pays for them (npm run bench:startup). A schema ajv cannot compile still fails
// every route's tests, as it fails the first request.
function onFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | undefined
  const validate = ((data: unknown, context?: object) => {
    compiled ??= compile()
    const valid = compiled(data, context as never)
    validate.errors = compiled.errors
    return valid
  }) as ValidateFunction
  // Fastify hands ajv the parent object (so that it may coerce the root) only when it sees this; ajv's
  // functions take it whether they coerce or not.
  validate.schemaEnv = true as unknown as ValidateFunction['schemaEnv']
  return validate
}

export function installValidators(app: FastifyInstance): void {
  const body = build({ coerceTypes: false })
  const text = build({ coerceTypes: 'array' })
  app.setValidatorCompiler<FastifySchema>(({ schema, httpPart }) => {
    if (httpPart === 'body') return onFirstUse(() => body.compile(schema as object))
    return plainNumbers(
      onFirstUse(() => text.compile(schema as object)),
      schema as object,
    )
  })

  // JSON bodies as Fastify parses them (prototype poisoning refused), but refused whole when a string
  // has a lone surrogate, which no database or client could take back as sent.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const text = raw as string
    parseJson(request, text, (error, value) => {
      if (error) return done(error, undefined)
      const pointer = SURROGATE_ESCAPE.test(text) ? illFormedPointer(value) : undefined
      if (pointer === undefined) return done(null, value)
      done(invalid('body', [fieldError(pointer, 'wellFormed', ILL_FORMED)]), undefined)
    })
  })

  app.addHook('preValidation', (request, _reply, done) => {
    const malformed = (request.query as { [MALFORMED]?: string[] } | undefined)?.[MALFORMED]
    if (!malformed) return done()
    done(
      invalid(
        'querystring',
        malformed.map((name) => fieldError(pointerTo([name]), 'encoding', MALFORMED_DETAIL)),
      ),
    )
  })
}
