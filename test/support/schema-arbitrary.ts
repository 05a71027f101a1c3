// JSON Schema → fast-check arbitraries for the generated-input suites: values a schema accepts and values it
// refuses. Every value is checked against the schema with ajv, so a "refused" value never slips through as a
// valid one (and the other way round) whatever shortcuts the generators take.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import fc, { type Arbitrary } from 'fast-check'

export interface JsonSchema {
  type?: string | string[]
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  minProperties?: number
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  minLength?: number
  maxLength?: number
  pattern?: string
  format?: string
  minimum?: number
  maximum?: number
  multipleOf?: number
}

// The server's own ajv options (src/plugins/validation.ts): money compares with the same tolerance.
export const ajv = new Ajv2020({ strict: false, allErrors: false, multipleOfPrecision: 6 })
addFormats.default(ajv)
const compiled = new WeakMap<object, ValidateFunction>()

function validator(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema)
  if (!validate) {
    validate = ajv.compile(schema)
    compiled.set(schema, validate)
  }
  return validate
}

export function accepts(schema: JsonSchema, value: unknown): boolean {
  return validator(schema)(value)
}

/** ajv's words for why the schema refuses the value; undefined when it accepts it. */
export function schemaErrors(schema: JsonSchema, value: unknown): string | undefined {
  const validate = validator(schema)
  return validate(value) ? undefined : ajv.errorsText(validate.errors)
}

// Free text: mostly plain, with the characters that break naive code (quotes, escapes, separators,
// invisible and astral ones). Well-formed: lone surrogates belong to the refused values.
const TRICKY = [
  'é',
  'ß',
  '中',
  '😀',
  '\u200b',
  '\u00ad',
  ' ',
  '\t',
  '\n',
  '\u0000',
  '%',
  '/',
  '?',
  '#',
  '&',
  '"',
  '\\',
  "'",
  '+',
  ',',
]
const unit = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 8 },
  fc.constantFrom(...TRICKY),
)
export const text = (minLength = 0, maxLength = 40) => fc.string({ unit, minLength, maxLength })
/** Any UTF-16, lone surrogates included. */
const anyText = fc.string({ unit: 'binary', maxLength: 20 })

// What fast-check's stringMatching cannot read (Unicode properties, lookarounds), rewritten to a narrower
// pattern it can; the real pattern filters the result.
const PROPERTY: Record<string, string> = {
  L: 'A-Za-zà-ÿΑ-ω中',
  N: '0-9',
  Cc: '\\x00-\\x1f\\x7f-\\x9f',
  Cf: '\\xad\\u200b-\\u200f\\u2060-\\u2064\\ufeff',
  Cs: '\\ud800-\\udfff',
}

function narrow(pattern: string): string {
  const withoutLookarounds = pattern.replace(/\(\?<?[!=][^()]*\)/g, '')
  let out = ''
  let inClass = false
  for (let i = 0; i < withoutLookarounds.length; i++) {
    const c = withoutLookarounds[i] as string
    if (c === '\\') {
      const property = /^\\p\{(\w+)\}/.exec(withoutLookarounds.slice(i))
      if (property) {
        const range = PROPERTY[property[1] as string] ?? 'a-z'
        out += inClass ? range : `[${range}]`
        i += property[0].length - 1
        continue
      }
      out += withoutLookarounds.slice(i, i + 2)
      i++
      continue
    }
    if (c === '[') inClass = true
    if (c === ']') inClass = false
    out += c
  }
  return out
}

function fromPattern(pattern: string, minLength: number, maxLength: number): Arbitrary<string> {
  const real = new RegExp(pattern, 'u')
  let base: Arbitrary<string>
  try {
    base = fc.stringMatching(new RegExp(narrow(pattern)))
  } catch {
    base = text(minLength, Math.min(maxLength, minLength + 40))
  }
  return base.filter((s) => s.length >= minLength && s.length <= maxLength && real.test(s))
}

function validString(schema: JsonSchema): Arbitrary<string> {
  const min = schema.minLength ?? 0
  const max = schema.maxLength ?? min + 40
  if (schema.format === 'uuid') return fc.uuid()
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
  if (schema.pattern) return fromPattern(schema.pattern, min, max)
  return text(min, Math.min(max, min + 40))
}

function decimals(step: number): number {
  return (String(step).split('.')[1] ?? '').length
}

function validNumber(schema: JsonSchema, integer: boolean): Arbitrary<number> {
  const min = schema.minimum ?? -1_000_000
  const max = schema.maximum ?? 1_000_000
  const step = schema.multipleOf ?? (integer ? 1 : undefined)
  if (step === undefined) return fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
  const k = fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) })
  return k.map((n) => Number((n * step).toFixed(decimals(step))))
}

function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type
  return schema.type ? [schema.type] : []
}

// Built once per schema: building some (stringMatching) costs milliseconds, and requests are built per run.
const validOf = new WeakMap<object, Arbitrary<unknown>>()
const invalidOf = new WeakMap<object, Arbitrary<unknown>>()

function memo(
  cache: WeakMap<object, Arbitrary<unknown>>,
  schema: JsonSchema,
  make: () => Arbitrary<unknown>,
) {
  let arbitrary = cache.get(schema)
  if (!arbitrary) {
    arbitrary = make()
    cache.set(schema, arbitrary)
  }
  return arbitrary
}

/** Values the schema accepts. */
export function valid(schema: JsonSchema): Arbitrary<unknown> {
  return memo(validOf, schema, () => validUnchecked(schema).filter((v) => accepts(schema, v)))
}

function validUnchecked(schema: JsonSchema): Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum)
  if ('const' in schema) return fc.constant(schema.const)
  const branches = schema.anyOf ?? schema.oneOf
  if (branches) return fc.oneof(...branches.map(valid))
  const types = typesOf(schema)
  if (types.length > 1) return fc.oneof(...types.map((type) => valid({ ...schema, type })))
  switch (types[0]) {
    case 'null':
      return fc.constant(null)
    case 'boolean':
      return fc.boolean()
    case 'integer':
      return validNumber(schema, true)
    case 'number':
      return validNumber(schema, false)
    case 'string':
      return validString(schema)
    case 'array': {
      const items = valid(schema.items ?? {})
      const constraints = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) }
      return schema.uniqueItems ? fc.uniqueArray(items, constraints) : fc.array(items, constraints)
    }
    case 'object': {
      const properties = Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, property]) => [name, valid(property)]),
      )
      return fc.record(properties, { requiredKeys: schema.required ?? [] })
    }
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

// --- Refused values ---------------------------------------------------------------------------------------

const WRONG_TYPE: Record<string, Arbitrary<unknown>> = {
  string: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({})),
  number: fc.oneof(
    fc.constantFrom('1', '0x10', '1e3', ''),
    fc.boolean(),
    fc.constant(null),
    fc.constant([1]),
  ),
  integer: fc.oneof(fc.constantFrom('1', 1.5, 2 ** 53), fc.boolean(), fc.constant(null)),
  boolean: fc.oneof(fc.constantFrom('true', 0, 1, 'yes'), fc.constant(null)),
  object: fc.oneof(fc.constant([]), fc.string(), fc.integer(), fc.constant(null)),
  array: fc.oneof(fc.constant({}), fc.string(), fc.constant(null)),
  null: fc.oneof(fc.string(), fc.integer()),
}

function invalidCandidates(schema: JsonSchema): Arbitrary<unknown>[] {
  const found: Arbitrary<unknown>[] = [fc.jsonValue({ maxDepth: 2 }), anyText]
  for (const type of typesOf(schema)) {
    const wrong = WRONG_TYPE[type]
    if (wrong) found.push(wrong)
  }
  if (schema.enum) found.push(fc.constantFrom('', 'UNKNOWN', 'Admin', ' user'))
  if (schema.maxLength !== undefined) found.push(text(schema.maxLength + 1, schema.maxLength + 8))
  if (schema.minLength) found.push(text(0, schema.minLength - 1))
  if (schema.pattern || schema.format) found.push(text(1, 12), anyText)
  if (schema.minimum !== undefined)
    found.push(fc.double({ max: schema.minimum, maxExcluded: true, noNaN: true, noDefaultInfinity: true }))
  if (schema.maximum !== undefined)
    found.push(fc.double({ min: schema.maximum, minExcluded: true, noNaN: true, noDefaultInfinity: true }))
  if (schema.multipleOf !== undefined) {
    const step = schema.multipleOf
    found.push(validNumber(schema, false).map((n) => n + step / 3))
  }
  if (schema.items) {
    found.push(fc.array(invalid(schema.items), { minLength: 1, maxLength: 3 }))
    if (schema.maxItems !== undefined) {
      const n = schema.maxItems + 1
      found.push(fc.array(valid(schema.items), { minLength: n, maxLength: n + 2 }))
    }
  }
  if (schema.properties) found.push(...invalidObjects(schema))
  for (const branch of schema.anyOf ?? schema.oneOf ?? []) found.push(...invalidCandidates(branch))
  return found
}

// An object that is right but for one thing: a required field gone, one unknown field, one field refused.
function invalidObjects(schema: JsonSchema): Arbitrary<unknown>[] {
  const whole = valid(schema) as Arbitrary<Record<string, unknown>>
  const found: Arbitrary<unknown>[] = []
  for (const name of schema.required ?? []) {
    found.push(whole.map(({ [name]: _gone, ...rest }) => rest))
  }
  if (schema.additionalProperties === false) found.push(whole.map((o) => ({ ...o, not_a_field: 1 })))
  if (schema.minProperties) found.push(fc.constant({}))
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    found.push(fc.tuple(whole, invalid(property)).map(([o, bad]) => ({ ...o, [name]: bad })))
  }
  return found
}

/** Values the schema refuses. */
export function invalid(schema: JsonSchema): Arbitrary<unknown> {
  return memo(invalidOf, schema, () =>
    fc.oneof(...invalidCandidates(schema)).filter((v) => v !== undefined && !accepts(schema, v)),
  )
}
