// Checks a value against its rule (src/domain/fields.ts) and refuses it the way every transport reports:
// an InvalidInputError naming the field by a JSON pointer, with the rule's reason.
import type { Static, TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { InvalidInputError } from './errors.ts'

type Validator = ReturnType<typeof Compile<TSchema>>
const compiled = new Map<TSchema, Validator>()

function validatorOf(schema: TSchema): Validator {
  let validator = compiled.get(schema)
  if (!validator) {
    validator = Compile(schema)
    compiled.set(schema, validator)
  }
  return validator
}

/**
 * The reason a refusal gives for an error at `schemaPath` ("#/properties/tags/items/pattern", as ajv and
 * TypeBox both report it): the `errorMessage` of the deepest schema on the path that has one.
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
  if (validator.Check(value)) return
  const [first] = validator.Errors(value)
  const reason = first && reasonAt(schema, first.schemaPath)
  throw new InvalidInputError(
    `${pointer}${first?.instancePath ?? ''}`,
    reason ?? first?.message ?? 'is invalid',
  )
}
