import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Container } from '../../../container.ts'

const Health = Type.Object(
  {
    status: Type.Enum(['ok', 'degraded', 'down']),
    checks: Type.Optional(Type.Record(Type.String(), Type.Enum(['ok', 'down']))),
  },
  { examples: [{ status: 'ok', checks: { database: 'ok' } }] },
)

const healthRoutes: FastifyPluginAsyncTypebox<{ services: Container }> = async (app, { services }) => {
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        description: 'Answers 200 while the process can serve requests at all.',
        response: { 200: { ...Health, examples: [{ status: 'ok' }] } },
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
          'Answers 200 when the database answers, 503 when it does not; send traffic only while 200.',
        response: {
          200: Health,
          503: {
            ...Health,
            description: 'Not ready',
            examples: [{ status: 'down', checks: { database: 'down' } }],
          },
        },
      },
    },
    async (request, reply) => {
      try {
        await services.database.ping()
        return { status: 'ok' as const, checks: { database: 'ok' as const } }
      } catch (error) {
        request.log.warn({ err: error }, 'readiness: database is down')
        return reply.code(503).send({ status: 'down' as const, checks: { database: 'down' as const } })
      }
    },
  )
}

export default healthRoutes
