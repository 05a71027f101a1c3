// Discovery: the public keys (JWKS) and the authorization server metadata (RFC 8414).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { KeyRing } from '../../../auth/keys.ts'
import { SCOPES } from '../../../domain/policy.ts'
import { Jwks, ServerMetadata } from './schemas.ts'

const wellKnownRoutes: FastifyPluginAsyncTypebox<{
  keys: KeyRing
  issuer: string
  publicUrl: string
}> = async (app, { keys, issuer, publicUrl }) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['auth'],
        summary: 'Token signing keys',
        description:
          'The public keys that verify access tokens, as a JWK set. Several keys appear during a key rotation; pick the one whose `kid` the token header names.',
        response: { 200: Jwks },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300')
      return { keys: keys.publicJwks } as never
    },
  )

  app.get(
    '/.well-known/oauth-authorization-server',
    {
      schema: {
        tags: ['auth'],
        summary: 'Authorization server metadata',
        description:
          'RFC 8414 metadata: where the token, revocation and key endpoints are, and what they support.',
        response: { 200: ServerMetadata },
      },
    },
    async (request) => {
      const base = publicUrl || `${request.protocol}://${request.host}`
      return {
        issuer,
        token_endpoint: `${base}/token`,
        revocation_endpoint: `${base}/token/revoke`,
        jwks_uri: `${base}/.well-known/jwks.json`,
        grant_types_supported: ['password', 'refresh_token'],
        response_types_supported: [],
        scopes_supported: Object.keys(SCOPES),
        token_endpoint_auth_methods_supported: ['none'],
        revocation_endpoint_auth_methods_supported: ['none'],
      }
    },
  )
}

export default wellKnownRoutes
