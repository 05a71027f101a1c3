// The code-first schema builder: Pothos types are checked against the domain types at compile time, so
// the schema and the code cannot drift.
import SchemaBuilder from '@pothos/core'
import type { MaybeActor } from '../../domain/actor.ts'
import type { EventBus } from '../../domain/events.ts'
import type { ItemService } from '../../domain/items.ts'
import type { RoomService } from '../../domain/rooms.ts'
import type { UserService } from '../../domain/users.ts'
import type { Loaders } from './loaders.ts'

/** The domain services GraphQL resolvers use. */
export interface GraphQLServices {
  users: UserService
  items: ItemService
  rooms: RoomService
  bus: EventBus
}

export interface GraphQLContext {
  actor: MaybeActor
  services: GraphQLServices
  loaders: Loaders
}

interface SchemaConfig {
  Context: GraphQLContext
  DefaultFieldNullability: false
  Scalars: {
    /** In: the decimal text a client sent (resolvers convert it to cents). Out: cents, shown as "9.99". */
    Money: { Input: string; Output: number }
    DateTime: { Input: string; Output: string }
  }
}

/** The builder's type parameters, for helpers that take its refs. */
export type Types = PothosSchemaTypes.ExtendDefaultTypes<SchemaConfig>

export const builder = new SchemaBuilder<SchemaConfig>({ defaultFieldNullability: false })
