// Checks a value against its rule (src/domain/fields.ts) and refuses it the way every transport reports:
// an InvalidInputError naming the field by a JSON pointer, with the rule's reason. The checks run on ajv,
// the validator REST's requests already go through, so GraphQL and WebSocket frames are judged by the same
// engine (TypeBox's own compiler would load ~300 modules more at every start for the same answers).
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { Static, TSchema } from 'typebox'
import { InvalidInputError } from './errors.ts'

/**
 * An ajv that reads the rules as every check must: the domain's here, REST's requests
 * (src/plugins/validation.ts) and the settings, each adding its own options (errors, coercion, defaults).
 */
export function rulesAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({
    // Rules carry `errorMessage` and documentation keywords ajv does not know.
    strict: false,
    // Our schemas are checked against the OpenAPI 3.1 dialect by test/integration/openapi.test.ts; checking
    // each against ajv's meta-schema again at every start-up cost 3% of it (npm run bench:startup).
    validateSchema: false,
    // Money is `multipleOf: 0.01`; compare with a tolerance, as 0.29 / 0.01 is 28.999999999999996.
    multipleOfPrecision: 6,
    ...options,
  })
  addFormats.default(ajv)
  return ajv
}

// The first error is the one a refusal reports.
const ajv = rulesAjv({ allErrors: false })

const compiled = new Map<TSchema, ValidateFunction>()

/** A compiled check of `schema`, made once per schema; after a refusal its `errors` hold the first error. */
export function validatorOf<T extends TSchema>(schema: T): ValidateFunction<Static<T>> {
  let validator = compiled.get(schema)
  if (!validator) {
    validator = ajv.compile(schema)
    compiled.set(schema, validator)
  }
  return validator as ValidateFunction<Static<T>>
}

/** The error a refused value got from its validator. */
export function firstError(validator: ValidateFunction): ErrorObject | undefined {
  return validator.errors?.[0] ?? undefined
}

/**
 * The reason a refusal gives for an error at `schemaPath` ("#/properties/tags/items/pattern", as ajv
 * reports it): the `errorMessage` of the deepest schema on the path that has one.
 */
export function reasonAt(schema: unknown, schemaPath: string): string | undefined {
  let node = schema
  let reason: string | undefined
  const segments = schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)
  for (const segment of [undefined, ...segments]) {
    if (segment !== undefined) node = (node as Record<string, unknown>)[fromPointer(segment)]
    if (node === null || typeof node !== 'object') break
    const message = (node as { errorMessage?: unknown }).errorMessage
    if (typeof message === 'string') reason = message
  }
  return reason
}

function fromPointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~')
}

/** Throws InvalidInputError at `pointer` (plus the path inside the value) unless `value` meets `schema`. */
export function check<T extends TSchema>(
  schema: T,
  value: unknown,
  pointer: string,
): asserts value is Static<T> {
  const validator = validatorOf(schema)
  if (validator(value)) return
  const first = firstError(validator)
  const reason = first && reasonAt(schema, first.schemaPath)
  throw new InvalidInputError(
    `${pointer}${first?.instancePath ?? ''}`,
    reason ?? first?.message ?? 'is invalid',
  )
}
