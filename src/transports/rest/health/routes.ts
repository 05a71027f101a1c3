import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Container } from '../../../container.ts'

const Health = Type.Object(
  {
    status: Type.Enum(['ok', 'degraded', 'down']),
    checks: Type.Optional(Type.Record(Type.String(), Type.Enum(['ok', 'down']))),
  },
  { examples: [{ status: 'ok', checks: { database: 'ok', redis: 'ok' } }] },
)

const healthRoutes: FastifyPluginAsyncTypebox<{ services: Container }> = async (app, { services }) => {
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        description: 'Answers 200 while the process can serve requests at all.',
        response: { 200: { ...Health, description: 'Alive', examples: [{ status: 'ok' }] } },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness',
        description:
          'Answers 503 while the database does not answer: send no traffic then. With Redis configured and down, it answers 200 with `status: degraded` (rate limits then count per instance), so that a Redis outage does not take every instance out of the load balancer.',
        response: {
          200: { ...Health, description: 'Ready' },
          503: {
            ...Health,
            description: 'Not ready',
            examples: [{ status: 'down', checks: { database: 'down' } }],
          },
        },
      },
    },
    async (request, reply) => {
      const [dependencies, database] = await Promise.all([
        services.dependencies(),
        services.database.ping().then(
          () => undefined,
          (error: unknown) => error,
        ),
      ])
      if (database !== undefined) {
        request.log.debug({ err: database }, 'readiness: database is down')
        return reply
          .code(503)
          .send({ status: 'down' as const, checks: { ...dependencies, database: 'down' as const } })
      }
      const degraded = Object.values(dependencies).includes('down')
      return {
        status: degraded ? ('degraded' as const) : ('ok' as const),
        checks: { ...dependencies, database: 'ok' as const },
      }
    },
  )
}

export default healthRoutes
