import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

const Health = Type.Object(
  {
    status: Type.Enum(['ok', 'degraded', 'down']),
    checks: Type.Optional(Type.Record(Type.String(), Type.Enum(['ok', 'down']))),
  },
  { examples: [{ status: 'ok', checks: { database: 'ok', redis: 'ok' } }] },
)

/** Each dependency's state: the database always, Redis when it is configured, `load` while shedding. */
export type Checks = () => Promise<{ database: 'ok' | 'down' } & Record<string, 'ok' | 'down'>>

const healthRoutes: FastifyPluginAsyncTypebox<{ checks: Checks }> = async (app, { checks }) => {
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
          'Answers 503 while the database does not answer, or while the instance is overloaded and sheds requests (`load: down`): send no traffic then. With Redis configured and down, it answers 200 with `status: degraded` (rate limits then count per instance), so that a Redis outage does not take every instance out of the load balancer.',
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
    async (_request, reply) => {
      const state = await checks()
      if (state.database === 'down' || state.load === 'down') {
        return reply.code(503).send({ status: 'down' as const, checks: state })
      }
      const degraded = Object.values(state).includes('down')
      return { status: degraded ? ('degraded' as const) : ('ok' as const), checks: state }
    },
  )
}

export default healthRoutes
