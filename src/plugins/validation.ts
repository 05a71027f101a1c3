// Request validation: bodies are checked as sent (no coercion, unknown fields refused, every error
// reported); query strings, paths and headers are text, so their numbers and booleans are coerced.
import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance, FastifySchema } from 'fastify'

function build(options: Options): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
    // Money is `multipleOf: 0.01`; compare with a tolerance, as 0.29 / 0.01 is 28.999999999999996.
    multipleOfPrecision: 6,
    ...options,
  })
  addFormats.default(ajv)
  return ajv
}

export function installValidators(app: FastifyInstance): void {
  const body = build({ coerceTypes: false })
  const text = build({ coerceTypes: 'array' })
  app.setValidatorCompiler<FastifySchema>(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? body : text
    return ajv.compile(schema as object)
  })
}
