// Response serializers, one per response schema rather than one per route and status. Every route answers
// its refusals with the same problem schema, so Fastify's own compiler built 216 serializers at start-up
// for 29 schemas, 173 of them that one (each a compiled function kept for good).
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

type Compile = ReturnType<ReturnType<typeof SerializerSelector>>
type Serializer = ReturnType<Compile>

/** For Fastify's `schemaController.compilersFactory.buildSerializer`. */
export function sharedSerializers(
  ...factoryArgs: Parameters<ReturnType<typeof SerializerSelector>>
): Compile {
  // One factory per set of shared schemas (an encapsulated context with its own gets its own).
  const compile = SerializerSelector()(...factoryArgs)
  const built = new WeakMap<object, Serializer>()
  return (route) => {
    // The serializer depends on the schema and the factory's options alone, not on the route or status.
    const schema = route.schema
    if (typeof schema !== 'object' || schema === null) return compile(route)
    let serializer = built.get(schema)
    if (!serializer) {
      // Built on its first response, not at start-up (30 ms of it), as the validators are.
      let made: Serializer | undefined
      serializer = (data) => {
        made ??= compile(route)
        return made(data)
      }
      built.set(schema, serializer)
    }
    return serializer
  }
}
