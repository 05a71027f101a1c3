// Bearer tokens (RFC 6750): who is calling. `request.actor` is null for anonymous callers; a route that
// needs a signed-in caller adds `onRequest: app.requireSignIn`, the get_current_user of this server.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Authenticator } from '../auth/authenticator.ts'
import { InvalidTokenError } from '../auth/tokens.ts'
import type { MaybeActor } from '../domain/actor.ts'
import { UnauthenticatedError } from '../domain/errors.ts'
import { isOperationalRoute } from './operational-routes.ts'

declare module 'fastify' {
  interface FastifyRequest {
    actor: MaybeActor
    /** Why the bearer token sent was refused, when one was. */
    tokenError: 'invalid_request' | 'invalid_token' | null
  }
  interface FastifyContextConfig {
    /** false: the route takes no bearer token (the token endpoint, operational routes): one sent is
     * ignored, not even checked, so a stale token left in a client does not make it fail. */
    bearer?: false
  }
  interface FastifyInstance {
    requireSignIn: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
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

function bearerToken(header: string): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header)
  return match?.[1]
}

async function authPlugin(app: FastifyInstance, options: { authenticator: Authenticator }) {
  app.decorateRequest('actor', null)
  app.decorateRequest('tokenError', null)

  app.addHook('onRoute', (route) => {
    if (isOperationalRoute(route.url)) route.config = { ...route.config, bearer: false }
  })

  // Every request: a valid token makes the caller known. A bad one is noted here and refused by
  // `rejectInvalidToken` once the rate limiter has counted the request, so that bad tokens are limited too.
  // Callback style, so that a request without a token (most of them) costs no promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers.authorization
    if (!header || request.routeOptions.config.bearer === false) return done()
    const token = bearerToken(header)
    if (!token) {
      // Another scheme is not ours to judge; a malformed bearer token is.
      if (/^Bearer\b/i.test(header)) request.tokenError = 'invalid_request'
      return done()
    }
    // Most requests carry a token this instance has seen, of an account it checked recently.
    const known = options.authenticator.knownActor(token)
    if (known) {
      request.actor = known
      return done()
    }
    options.authenticator.actorFor(token).then(
      (actor) => {
        request.actor = actor
        done()
      },
      (error: unknown) => {
        if (!(error instanceof InvalidTokenError)) return done(error as Error)
        request.tokenError = 'invalid_token'
        done()
      },
    )
  })

  app.decorate('requireSignIn', async (request: FastifyRequest) => {
    if (!request.actor) throw new UnauthenticatedError()
  })
}

/** Refuses a request that sent a bad token, even where anonymous callers are welcome: a client should
 * never mistake a broken token for a working one. */
export function rejectInvalidToken(
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: Error) => void,
): void {
  if (request.tokenError === null) {
    done()
  } else if (request.tokenError === 'invalid_request') {
    // RFC 6750 §3.1: a malformed request is a 400.
    reply.header(
      'www-authenticate',
      challenge({ error: 'invalid_request', description: 'Malformed bearer token' }),
    )
    done(
      Object.assign(new Error('The Authorization header is not a valid bearer token.'), { statusCode: 400 }),
    )
  } else {
    reply.header(
      'www-authenticate',
      challenge({ error: 'invalid_token', description: 'The access token is invalid or expired' }),
    )
    done(new UnauthenticatedError('The access token is invalid or has expired. Sign in again.'))
  }
}

export default fp(authPlugin, { name: 'auth' })
