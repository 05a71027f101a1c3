// Every REST route group. Each group keeps its schemas beside its routes.
import type { FastifyInstance } from 'fastify'
import type { Container } from '../../container.ts'
import healthRoutes from './health/routes.ts'
import itemsRoutes from './items/routes.ts'
import tokenRoutes from './token/routes.ts'
import usersRoutes from './users/routes.ts'

export async function restRoutes(app: FastifyInstance, options: { services: Container }): Promise<void> {
  await app.register(healthRoutes, options)
  await app.register(tokenRoutes, options)
  await app.register(usersRoutes, options)
  await app.register(itemsRoutes, options)
}
