// A field refused by ajv is reported with its rule's reason (the `errorMessage` of src/domain/fields.ts), the
// words the domain uses when GraphQL or WebSocket input breaks the same rule; ajv's own words stay for what no
// rule covers (a missing or unknown field). src/plugins/errors.ts then reports each error as it finds it.
import type { FastifySchema, RouteOptions } from 'fastify'
import { reasonAt } from '../../domain/check.ts'

interface AjvError {
  instancePath: string
  schemaPath: string
  message?: string
}

type Part = 'body' | 'querystring' | 'params' | 'headers'

function formatterFor(schema: FastifySchema) {
  return (errors: AjvError[], part: string): Error => {
    const root = schema[part as Part]
    for (const error of errors) {
      // The errors are the ones Fastify attaches to the failure: their reason is set where they are.
      error.message = reasonAt(root, error.schemaPath) ?? error.message
    }
    const text = errors.map((e) => `${part}${e.instancePath} ${e.message}`).join(', ')
    return new Error(text)
  }
}

/** An onRoute hook: every route with a schema reports its rules' reasons. */
export function reportRuleReasons(route: RouteOptions): void {
  if (route.schema && !route.schemaErrorFormatter) route.schemaErrorFormatter = formatterFor(route.schema)
}
