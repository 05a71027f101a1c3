// Every REST route group. Each group keeps its schemas beside its routes.
import type { FastifyInstance } from 'fastify'
import type { Settings } from '../../config.ts'
import type { Container } from '../../container.ts'
import healthRoutes from './health/routes.ts'
import itemsRoutes from './items/routes.ts'
import oauthRoutes from './oauth/routes.ts'
import wellKnownRoutes from './oauth/well-known.ts'
import roomsRoutes from './rooms/routes.ts'
import { reportRuleReasons } from './rule-reasons.ts'
import usersRoutes from './users/routes.ts'

export async function restRoutes(
  app: FastifyInstance,
  options: { services: Container; settings: Settings },
): Promise<void> {
  app.addHook('onRoute', reportRuleReasons)
  await app.register(healthRoutes, options)
  await app.register(oauthRoutes, options)
  await app.register(wellKnownRoutes, {
    ...options,
    issuer: options.settings.JWT_ISSUER,
    publicUrl: options.settings.PUBLIC_URL,
  })
  await app.register(usersRoutes, options)
  await app.register(itemsRoutes, options)
  await app.register(roomsRoutes, options)
}
