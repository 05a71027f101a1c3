// Shapes of the OAuth2 endpoints (RFC 6749 §4.3, §5.1, §5.2, §6; RFC 7009; RFC 8414).
import { Type } from 'typebox'
import { SCOPES } from '../../../domain/policy.ts'

export const TokenRequest = Type.Object(
  {
    grant_type: Type.Optional(
      Type.String({
        description:
          '`password` or `refresh_token`; without it, a username and a password are the password grant',
        examples: ['password'],
      }),
    ),
    username: Type.Optional(Type.String({ description: 'password grant', examples: ['alice'] })),
    password: Type.Optional(
      Type.String({ description: 'password grant', examples: ['correct horse battery'] }),
    ),
    refresh_token: Type.Optional(Type.String({ description: 'refresh_token grant' })),
    scope: Type.Optional(
      Type.String({
        description: `Space-separated scopes (${Object.keys(SCOPES).join(', ')}); default: all your role allows, or all granted at sign-in`,
        examples: ['items:read items:write'],
      }),
    ),
    client_id: Type.Optional(Type.String({ description: 'Accepted and ignored: every client is public' })),
  },
  {
    examples: [
      { grant_type: 'password', username: 'alice', password: 'correct horse battery', scope: 'items:write' },
      { grant_type: 'refresh_token', refresh_token: 'rt_Jm3v6y2Qk0m1X9bq1d1qfQyq2J4s5ZK8y0b6J1c2d3E' },
    ],
  },
)

export const TokenResponse = Type.Object(
  {
    access_token: Type.String({ description: 'A JWT; send as `Authorization: Bearer <token>`' }),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
    refresh_token: Type.String({
      description: 'Single use: exchange it for new tokens before the sign-in expires',
    }),
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
        refresh_token: 'rt_Jm3v6y2Qk0m1X9bq1d1qfQyq2J4s5ZK8y0b6J1c2d3E',
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

export const RevokeRequest = Type.Object(
  {
    token: Type.String({ description: 'The refresh token to revoke' }),
    token_type_hint: Type.Optional(Type.String({ examples: ['refresh_token'] })),
  },
  {
    examples: [{ token: 'rt_Jm3v6y2Qk0m1X9bq1d1qfQyq2J4s5ZK8y0b6J1c2d3E', token_type_hint: 'refresh_token' }],
  },
)

const jwkExample = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
  kid: 'UPtPuWd2GU3VFlJnFchPjLUMWGAcGbv-iv1DV5qqdTA',
  alg: 'EdDSA',
  use: 'sig',
}

export const Jwks = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          kty: Type.String(),
          crv: Type.String(),
          x: Type.String(),
          kid: Type.String(),
          alg: Type.String(),
          use: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { description: 'The public keys that verify access tokens (RFC 7517)', examples: [{ keys: [jwkExample] }] },
)

export const ServerMetadata = Type.Object(
  {
    issuer: Type.String(),
    token_endpoint: Type.String(),
    revocation_endpoint: Type.String(),
    jwks_uri: Type.String(),
    grant_types_supported: Type.Array(Type.String()),
    response_types_supported: Type.Array(Type.String()),
    scopes_supported: Type.Array(Type.String()),
    token_endpoint_auth_methods_supported: Type.Array(Type.String()),
    revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
  },
  {
    description: 'OAuth 2.0 authorization server metadata (RFC 8414)',
    examples: [
      {
        issuer: 'trestle',
        token_endpoint: 'https://api.example.com/token',
        revocation_endpoint: 'https://api.example.com/token/revoke',
        jwks_uri: 'https://api.example.com/.well-known/jwks.json',
        grant_types_supported: ['password', 'refresh_token'],
        response_types_supported: [],
        scopes_supported: Object.keys(SCOPES),
        token_endpoint_auth_methods_supported: ['none'],
        revocation_endpoint_auth_methods_supported: ['none'],
      },
    ],
  },
)
