// The OpenAPI 3.1 document, generated from the route schemas, and the reference page that renders it.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { SCOPES } from '../domain/policy.ts'
import { PROBLEM_TYPE_BASE, PROBLEM_TYPES } from './problem.ts'

const DESCRIPTION = `Trestle serves accounts and their catalog items.

**Signing in.** \`POST /token\` with the OAuth2 password grant returns a bearer access token; send it as
\`Authorization: Bearer <token>\`. Press *Authorize* on this page to sign in here.

**Errors** are RFC 9457 \`application/problem+json\` documents with a stable \`type\`
(\`${PROBLEM_TYPE_BASE}#<name>\`, where the name is one of ${Object.values(PROBLEM_TYPES)
  .map((t) => `\`${t}\``)
  .join(', ')}) and a \`request_id\`. \`POST /token\` answers errors in the RFC 6749 shape instead.

**Money** is USD as a JSON number with at most two decimals (\`9.99\`).

**Realtime.** The WebSocket at \`/ws\` carries item events, your notifications and chat rooms (with history
and presence), and resumes after a reconnect; its frames, sign-in, close codes and delivery guarantee are
described in the AsyncAPI 3 document at [\`/asyncapi.json\`](/asyncapi.json). GraphQL subscriptions are served
at \`/graphql\`.`

async function docsPlugin(app: FastifyInstance, options: { version: string }) {
  await app.register(swagger, {
    // GraphQL has its own schema and IDE (/graphiql); its HTTP routes are not REST operations.
    transform: ({ schema, url }) => ({
      schema: url.startsWith('/graphql') || url.startsWith('/graphiql') ? { ...schema, hide: true } : schema,
      url,
    }),
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Trestle API', version: options.version, description: DESCRIPTION },
      tags: [
        { name: 'auth', description: 'OAuth2 tokens' },
        { name: 'users', description: 'Accounts and profiles' },
        { name: 'items', description: 'The catalog' },
        { name: 'rooms', description: 'Chat rooms for signed-in users' },
        { name: 'rates', description: 'Exchange rates, from the configured providers' },
        { name: 'health', description: 'Liveness and readiness for operators' },
      ],
      components: {
        securitySchemes: {
          OAuth2: {
            type: 'oauth2',
            description: 'Bearer access tokens from the OAuth2 password grant',
            flows: { password: { tokenUrl: '/token', scopes: { ...SCOPES } } },
          },
        },
      },
    },
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { persistAuthorization: false, displayRequestDuration: true },
    staticCSP: true,
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}

export default fp(docsPlugin, { name: 'docs' })
