// The GraphQL schema: every type module registers itself on the builder; this assembles them.
import type { GraphQLSchema } from 'graphql'
import { builder } from './builder.ts'
import './scalars.ts'
import './schema/items.ts'
import './schema/rates.ts'
import './schema/rooms.ts'
import './schema/subscriptions.ts'
import './schema/users.ts'

builder.queryType({ description: 'Reads: items, users, rooms and exchange rates' })
builder.mutationType({ description: 'Every REST write but sign-up and the OAuth2 endpoints' })
builder.subscriptionType({ description: 'Live events (graphql-transport-ws)' })

let schema: GraphQLSchema | undefined

/** Built once per process: the schema is the same for every app. */
export function graphqlSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ sortSchema: false })
  return schema
}
