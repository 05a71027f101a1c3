// A query parameter refused after ajv passed it (a cursor, a price ajv's float tolerance let through, a
// currency without a rate) is reported as ajv's refusals are: a 422 naming the field in the query.
import { InvalidInputError } from '../../domain/errors.ts'

export function invalidQuery(pointer: string, reason: string): Error {
  return Object.assign(new Error(`querystring${pointer} ${reason}`), {
    validation: [{ instancePath: pointer, schemaPath: '', keyword: 'rule', message: reason, params: {} }],
    validationContext: 'querystring',
  })
}

/** A domain refusal of a query parameter, reported in the query. */
export function inQuery(error: unknown): unknown {
  return error instanceof InvalidInputError ? invalidQuery(error.pointer, error.message) : error
}
