// Every REST route group. Each group keeps its schemas beside its routes.
import type { FastifyInstance } from 'fastify'
import type { TokenGrants } from '../../auth/grants.ts'
import type { KeyRing } from '../../auth/keys.ts'
import type { ItemService } from '../../domain/items.ts'
import type { RateService } from '../../domain/rates.ts'
import type { RoomService } from '../../domain/rooms.ts'
import type { UserService } from '../../domain/users.ts'
import type { Settings } from '../../settings.ts'
import { documentCommonRefusals } from './common-refusals.ts'
import healthRoutes, { type Checks } from './health/routes.ts'
import itemsRoutes from './items/routes.ts'
import oauthRoutes from './oauth/routes.ts'
import wellKnownRoutes from './oauth/well-known.ts'
import ratesRoutes from './rates/routes.ts'
import roomsRoutes from './rooms/routes.ts'
import { reportRuleReasons } from './rule-reasons.ts'
import usersRoutes from './users/routes.ts'

/** What the REST routes use: each group gets its own service, nothing else. */
export interface RestServices {
  users: UserService
  items: ItemService
  rooms: RoomService
  rates: RateService
  grants: TokenGrants
  keys: KeyRing
  checks: Checks
}

export async function restRoutes(
  app: FastifyInstance,
  { services, settings }: { services: RestServices; settings: Settings },
): Promise<void> {
  app.addHook('onRoute', reportRuleReasons)
  app.addHook('onRoute', documentCommonRefusals)
  await app.register(healthRoutes, { checks: services.checks })
  await app.register(oauthRoutes, { grants: services.grants })
  await app.register(wellKnownRoutes, {
    keys: services.keys,
    issuer: settings.JWT_ISSUER,
    publicUrl: settings.PUBLIC_URL,
  })
  await app.register(usersRoutes, { users: services.users })
  await app.register(itemsRoutes, { items: services.items, rates: services.rates })
  await app.register(ratesRoutes, { rates: services.rates })
  await app.register(roomsRoutes, { rooms: services.rooms })
}
