// The OAuth2 endpoints: POST /token (RFC 6749), POST /token/revoke (RFC 7009). Their errors follow
// RFC 6749 §5.2. What RFC 6749 has no code for, HTTP refusing a request before a grant runs (413, 415, a
// 429 of the rate limit or of the sign-in throttle, with Retry-After), is a problem document as everywhere
// else in the API, to which the two §5.2 members are added: an OAuth2 client reads `error` and
// `error_description` and nothing else, and a problem-aware client reads the rest.
import formbody from '@fastify/formbody'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { LoginThrottledError, OAuthError, type TokenGrants, type Tokens } from '../../../auth/grants.ts'
import { sendProblem } from '../../../plugins/errors.ts'
import { PROBLEM_CONTENT_TYPE, problemResponses } from '../../../plugins/problem.ts'
import { clientAddress } from '../../../plugins/rate-limit.ts'
import { RevokeRequest, TokenError, TokenRequest, TokenResponse } from './schemas.ts'

const FORM = 'application/x-www-form-urlencoded'

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
}

/** The form's fields; a field sent twice is an error (RFC 6749 §3.2: parameters MUST NOT repeat). */
// The body schema is checked by Fastify (attachValidation), but its refusal must be in the RFC 6749 shape.
function form(request: FastifyRequest): Record<string, string | undefined> {
  if (!request.headers['content-type']?.toLowerCase().startsWith(FORM)) {
    throw new OAuthError('invalid_request', `The body must be ${FORM}.`)
  }
  const fields: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries((request.body ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `${name} is repeated.`)
    fields[name] = value === '' ? undefined : value
  }
  if (request.validationError) throw new OAuthError('invalid_request', request.validationError.message)
  return fields
}

// `slow_down` is the code registered for a token endpoint asked too often (RFC 8628 §3.5, IANA "OAuth
// Extensions Error Registry"); RFC 6749 has none for it.
function oauthCodeOf(status: number): 'slow_down' | 'invalid_request' {
  return status === 429 ? 'slow_down' : 'invalid_request'
}

function tokenJson(tokens: Tokens) {
  return {
    access_token: tokens.accessToken,
    token_type: 'bearer' as const,
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
    scope: tokens.scope,
  }
}

const oauthRoutes: FastifyPluginAsyncTypebox<{ grants: TokenGrants }> = async (app, { grants }) => {
  await app.register(formbody, { bodyLimit: 16 * 1024 })

  app.addHook(
    'preSerialization',
    async (_request, reply, payload: { status?: unknown; detail?: unknown }) => {
      const status = reply.statusCode
      const isProblem = String(reply.getHeader('content-type')).startsWith(PROBLEM_CONTENT_TYPE)
      if (!isProblem || status < 400 || status >= 500) return payload
      noStore(reply)
      return { ...payload, error: oauthCodeOf(status), error_description: payload.detail }
    },
  )

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof LoginThrottledError) {
      noStore(reply).header('retry-after', String(error.retryAfterSeconds))
      return sendProblem(request, reply, 429, error.message)
    }
    // A body that could not be parsed (empty or broken JSON) is malformed: RFC 6749's invalid_request, not a
    // problem, which the 400 response schema would strip to these two members under a problem media type.
    const { statusCode, validation } = error as FastifyError
    const malformed = !(error instanceof OAuthError) && statusCode === 400 && !validation
    const oauth = malformed ? new OAuthError('invalid_request', (error as Error).message) : error
    if (!(oauth instanceof OAuthError)) throw error
    return noStore(reply).code(oauth.status).send({ error: oauth.error, error_description: oauth.message })
  })

  app.post(
    '/token',
    {
      attachValidation: true,
      config: { bearer: false, rateLimit: { policy: 'auth' } },
      schema: {
        tags: ['auth'],
        summary: 'Get tokens',
        description:
          "The OAuth2 token endpoint (RFC 6749), form-encoded. `grant_type=password` exchanges a username and password for an access token and a refresh token (a form with a username and a password and no `grant_type`, as clients of FastAPI's `OAuth2PasswordRequestForm` send, is taken as the password grant); `grant_type=refresh_token` exchanges a refresh token for new ones (the old refresh token stops working; presenting it again revokes every token of that sign-in). `scope` narrows what the tokens may do. Errors use the RFC 6749 §5.2 shape (`error`, `error_description`); a wrong password and an unknown user give the same answer. Repeated failed sign-ins are refused for a growing delay, and more than `RATE_LIMIT_AUTH` requests per window from one IP are refused: both are 429 with `Retry-After`. RFC 6749 has no error code for those, nor for 413 and 415: they are problem documents, as everywhere in this API, that also carry `error` (`slow_down` for 429, the code registered for a token endpoint asked too often; `invalid_request` otherwise) and `error_description`, so that an OAuth2 client can report them.",
        consumes: [FORM],
        body: TokenRequest,
        response: {
          200: TokenResponse,
          400: TokenError,
          ...problemResponses(413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const fields = form(request)
      // Clients of the original system (FastAPI's OAuth2PasswordRequestForm) send a username and a password
      // without grant_type: that is the password grant. Anything else without grant_type is refused.
      const grantType =
        fields.grant_type ??
        (fields.username !== undefined || fields.password !== undefined ? 'password' : '')
      if (!grantType) throw new OAuthError('invalid_request', 'grant_type is missing.')
      let tokens: Tokens
      if (grantType === 'password') {
        const { username, password, scope } = fields
        if (!username || !password) {
          throw new OAuthError('invalid_request', 'The password grant needs a username and a password.')
        }
        tokens = await grants.password(username, password, scope, clientAddress(request))
      } else if (grantType === 'refresh_token') {
        if (!fields.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is missing.')
        tokens = await grants.refresh(fields.refresh_token, fields.scope, request.log)
      } else {
        throw new OAuthError('unsupported_grant_type', `grant_type "${grantType}" is not supported.`)
      }
      return noStore(reply).send(tokenJson(tokens))
    },
  )

  app.post(
    '/token/revoke',
    {
      attachValidation: true,
      config: { bearer: false, rateLimit: { policy: 'auth' } },
      schema: {
        tags: ['auth'],
        summary: 'Revoke a refresh token',
        description:
          'RFC 7009. Revokes a refresh token and every token of the same sign-in. Answers 200 whether or not the token was known, so the answer reveals nothing. Access tokens are short-lived JWTs: they are not revoked here and simply expire.',
        consumes: [FORM],
        body: RevokeRequest,
        response: {
          200: Type.Object({}, { description: 'Revoked, or nothing to revoke', examples: [{}] }),
          400: TokenError,
          ...problemResponses(413, 415),
        },
      },
    },
    async (request, reply) => {
      const { token } = form(request)
      if (!token) throw new OAuthError('invalid_request', 'token is missing.')
      await grants.revoke(token)
      // RFC 7009 clients ignore the body; an empty JSON object keeps JSON-only client libraries happy.
      return noStore(reply).code(200).send({})
    },
  )
}

export default oauthRoutes
