// POST /token: the OAuth2 token endpoint. Its errors follow RFC 6749 §5.2, not problem+json.
import formbody from '@fastify/formbody'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { OAuthError } from '../../../auth/password-grant.ts'
import type { Container } from '../../../container.ts'
import { problemResponses } from '../problem.ts'
import { TokenError, TokenRequest, TokenResponse } from './schemas.ts'

const FORM = 'application/x-www-form-urlencoded'

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
}

const tokenRoutes: FastifyPluginAsyncTypebox<{ services: Container }> = async (app, { services }) => {
  await app.register(formbody, { bodyLimit: 16 * 1024 })

  app.setErrorHandler((error, _request, reply) => {
    if (!(error instanceof OAuthError)) throw error
    return noStore(reply).code(error.status).send({ error: error.error, error_description: error.message })
  })

  app.post(
    '/token',
    {
      attachValidation: true,
      schema: {
        tags: ['auth'],
        summary: 'Get an access token',
        description:
          'The OAuth2 token endpoint (RFC 6749). `grant_type=password` exchanges a username and password for an access token. The body is form-encoded. Errors use the RFC 6749 §5.2 shape; a wrong password and an unknown user give the same answer.',
        consumes: [FORM],
        body: TokenRequest,
        response: {
          200: TokenResponse,
          400: TokenError,
          ...problemResponses(415),
        },
      },
    },
    async (request, reply) => {
      if (!request.headers['content-type']?.toLowerCase().startsWith(FORM)) {
        throw new OAuthError('invalid_request', `The body must be ${FORM}.`)
      }
      const body = (request.body ?? {}) as Record<string, unknown>
      if (request.validationError || typeof body.grant_type !== 'string') {
        throw new OAuthError('invalid_request', 'grant_type is missing or repeated.')
      }
      if (body.grant_type !== 'password') {
        throw new OAuthError('unsupported_grant_type', `grant_type "${body.grant_type}" is not supported.`)
      }
      const { username, password, scope } = body
      if (
        typeof username !== 'string' ||
        typeof password !== 'string' ||
        username === '' ||
        password === ''
      ) {
        throw new OAuthError('invalid_request', 'The password grant needs one username and one password.')
      }
      if (scope !== undefined && typeof scope !== 'string')
        throw new OAuthError('invalid_request', 'scope is repeated.')
      const issued = await services.passwordGrant.grant(username, password, scope)
      return noStore(reply).send({
        access_token: issued.accessToken,
        token_type: 'bearer',
        expires_in: issued.expiresIn,
        scope: issued.scope,
      })
    },
  )
}

export default tokenRoutes
