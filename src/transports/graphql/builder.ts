// The code-first schema builder: Pothos types are checked against the domain types at compile time, so
// the schema and the code cannot drift.
import SchemaBuilder from '@pothos/core'
import type { MaybeActor } from '../../domain/actor.ts'
import type { EventBus } from '../../domain/events.ts'
import type { ItemService } from '../../domain/items.ts'
import type { RateService } from '../../domain/rates.ts'
import type { RoomService } from '../../domain/rooms.ts'
import type { UserService } from '../../domain/users.ts'
import type { Loaders } from './loaders.ts'

/** The domain services GraphQL resolvers use. */
export interface GraphQLServices {
  users: UserService
  items: ItemService
  rooms: RoomService
  rates: RateService
  bus: EventBus
}

/** A rate a converted price used, as `extensions.exchangeRates` reports it. */
export interface UsedRate {
  base: string
  rate: string
  asOf: string | null
  stale: boolean
}

export interface GraphQLContext {
  actor: MaybeActor
  services: GraphQLServices
  loaders: Loaders
  /** The rates converted prices used in this operation, by currency (none in subscriptions). */
  exchangeRates?: Map<string, UsedRate>
}

interface SchemaConfig {
  Context: GraphQLContext
  DefaultFieldNullability: false
  Scalars: {
    /**
     * In: the decimal text a client sent (resolvers convert it to cents). Out: cents, shown as "9.99", or a
     * converted amount's exact decimal text.
     */
    Money: { Input: string; Output: number | string }
    DateTime: { Input: string; Output: string }
  }
}

/** The builder's type parameters, for helpers that take its refs. */
export type Types = PothosSchemaTypes.ExtendDefaultTypes<SchemaConfig>

export const builder = new SchemaBuilder<SchemaConfig>({ defaultFieldNullability: false })
