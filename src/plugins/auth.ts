// Bearer tokens (RFC 6750): who is calling. `request.actor` is null for anonymous callers; a route that
// needs a signed-in caller adds `onRequest: app.authenticate`, the get_current_user of this server.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Authenticator } from '../auth/authenticator.ts'
import { InvalidTokenError } from '../auth/tokens.ts'
import type { MaybeActor } from '../domain/actor.ts'
import { UnauthenticatedError } from '../domain/errors.ts'

declare module 'fastify' {
  interface FastifyRequest {
    actor: MaybeActor
  }
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

const REALM = 'trestle'

/** The `WWW-Authenticate` value for a 401 or a 403 (RFC 6750 §3). */
export function challenge(params: { error?: string; description?: string; scope?: string } = {}): string {
  let value = `Bearer realm="${REALM}"`
  if (params.error) value += `, error="${params.error}"`
  if (params.description) value += `, error_description="${params.description.replace(/["\\]/g, '')}"`
  if (params.scope) value += `, scope="${params.scope}"`
  return value
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (!header) return undefined
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header)
  return match?.[1]
}

async function authPlugin(app: FastifyInstance, options: { authenticator: Authenticator }) {
  app.decorateRequest('actor', null)

  // Every request: a valid token makes the caller known; a bad one is refused even where anonymous
  // callers are welcome, so that a client never mistakes a broken token for a working one.
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization
    if (!header) return
    const token = bearerToken(request)
    if (!token) {
      if (/^Bearer\b/i.test(header)) {
        reply.header(
          'www-authenticate',
          challenge({ error: 'invalid_request', description: 'Malformed bearer token' }),
        )
        throw new UnauthenticatedError('The Authorization header is not a valid bearer token.')
      }
      return // another scheme: not ours to judge
    }
    try {
      request.actor = await options.authenticator.authenticate(token)
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error
      reply.header(
        'www-authenticate',
        challenge({ error: 'invalid_token', description: 'The access token is invalid or expired' }),
      )
      throw new UnauthenticatedError('The access token is invalid or has expired. Sign in again.')
    }
  })

  app.decorate('authenticate', async (request: FastifyRequest) => {
    if (!request.actor) throw new UnauthenticatedError()
  })
}

export default fp(authPlugin, { name: 'auth' })
