// Shapes of POST /token (RFC 6749 §4.3, §5.1, §5.2).
import { Type } from 'typebox'
import { PASSWORD, USERNAME } from '../../../domain/users.ts'

export const TokenRequest = Type.Object(
  {
    grant_type: Type.String({ description: '`password`', examples: ['password'] }),
    username: Type.Optional(Type.String({ maxLength: USERNAME.maxLength * 8, examples: ['alice'] })),
    password: Type.Optional(
      Type.String({ maxLength: PASSWORD.maxLength * 8, examples: ['correct horse battery'] }),
    ),
    scope: Type.Optional(
      Type.String({
        description: 'Space-separated scopes; default: all your role allows',
        examples: ['items:read items:write'],
      }),
    ),
    client_id: Type.Optional(Type.String({ description: 'Accepted and ignored: every client is public' })),
  },
  {
    examples: [
      { grant_type: 'password', username: 'alice', password: 'correct horse battery', scope: 'items:write' },
    ],
  },
)

export const TokenResponse = Type.Object(
  {
    access_token: Type.String({ description: 'A JWT; send as `Authorization: Bearer <token>`' }),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
    scope: Type.String({ description: 'The scopes granted' }),
  },
  {
    description: 'Tokens, sent with `Cache-Control: no-store`',
    examples: [
      {
        access_token:
          'eyJhbGciOiJFZERTQSIsImtpZCI6IjEyMyIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl',
        token_type: 'bearer',
        expires_in: 900,
        scope: 'items:read items:write',
      },
    ],
  },
)

export const TokenError = Type.Object(
  {
    error: Type.Enum([
      'invalid_request',
      'invalid_client',
      'invalid_grant',
      'unsupported_grant_type',
      'invalid_scope',
    ]),
    error_description: Type.Optional(Type.String()),
  },
  {
    description: 'An RFC 6749 §5.2 error',
    examples: [{ error: 'invalid_grant', error_description: 'Incorrect username or password.' }],
  },
)
