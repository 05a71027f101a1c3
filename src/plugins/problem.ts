// RFC 9457 problem details: the one shape of every REST error, its stable types and its OpenAPI entries.
import { type Static, Type } from 'typebox'
import { STATUS_CODES } from './node-http.ts'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'
export const PROBLEM_TYPE_BASE = 'https://trestle.dev/problems'

/** Stable problem types; clients switch on these, so they never change meaning. */
export const PROBLEM_TYPES = {
  400: 'bad-request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  412: 'precondition-failed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'validation-failed',
  426: 'upgrade-required',
  429: 'quota-exceeded',
  500: 'internal',
  503: 'unavailable',
} as const

export type ProblemStatus = keyof typeof PROBLEM_TYPES

export function problemType(status: number): string {
  const slug = PROBLEM_TYPES[status as ProblemStatus] ?? (status >= 500 ? 'internal' : 'bad-request')
  return `${PROBLEM_TYPE_BASE}#${slug}`
}

export const InvalidParam = Type.Object({
  in: Type.Enum(['body', 'query', 'path', 'header'], { description: 'Where the value was sent' }),
  pointer: Type.String({ description: 'JSON pointer to the field, relative to where it was sent' }),
  detail: Type.String({ description: 'What is wrong with it' }),
})

export const Problem = Type.Object(
  {
    type: Type.String({ format: 'uri', description: 'Stable identifier of the kind of problem' }),
    title: Type.String({ description: 'Short summary of the kind of problem' }),
    status: Type.Integer({ description: 'The HTTP status code' }),
    detail: Type.Optional(Type.String({ description: 'What went wrong this time' })),
    instance: Type.Optional(Type.String({ description: 'The request path' })),
    request_id: Type.String({ description: 'Quote this when reporting a problem' }),
    errors: Type.Optional(Type.Array(InvalidParam, { description: 'One entry per invalid field (422)' })),
  },
  { additionalProperties: true },
)

export type ProblemBody = Static<typeof Problem>

const EXAMPLE_DETAILS: Record<ProblemStatus, string> = {
  400: 'Body is not valid JSON: Unexpected end of JSON input',
  401: 'Sign in to do this.',
  403: 'Only the owner of this item or an admin may change it.',
  404: 'Item 0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11 does not exist.',
  405: 'GET is not allowed here; allowed: POST',
  406: 'This resource is only available as application/json',
  409: 'This username is already taken.',
  412: 'Item 0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11 has changed: it is now at version 3.',
  413: 'Request body is too large',
  415: 'Unsupported Media Type: text/plain',
  422: 'The request has 1 invalid field.',
  426: 'This is a WebSocket endpoint: connect with a WebSocket client.',
  429: 'Rate limit exceeded',
  500: 'Something went wrong on our side. Quote the request id when reporting it.',
  503: 'The service cannot answer now. Try again later.',
}

export function exampleProblem(status: ProblemStatus): ProblemBody {
  return {
    type: problemType(status),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: EXAMPLE_DETAILS[status],
    instance: '/items/0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11',
    request_id: '5f0c6f7e-2b1d-4c55-8a51-0c6b1f1f9e2a',
    ...(status === 422 && { errors: [{ in: 'body' as const, pointer: '/price', detail: 'must be >= 0' }] }),
  }
}

const DESCRIPTIONS: Record<ProblemStatus, string> = {
  400: 'The request is malformed (for example, invalid JSON).',
  401: 'No valid access token: sign in at `POST /token`. Carries `WWW-Authenticate: Bearer`.',
  403: 'Signed in, but not allowed to do this.',
  404: 'No such resource.',
  405: 'The path exists but not with this method; `Allow` lists the methods.',
  406: 'No representation in an accepted media type.',
  409: 'Conflicts with the current state (a value that must be unique is taken).',
  412: 'The `If-Match` version is stale: fetch the resource again.',
  413: 'The body is larger than the server accepts.',
  415: 'The body is not in a media type this operation accepts.',
  422: 'Some fields are invalid; `errors` has one entry per field.',
  426: 'The path takes WebSocket connections only.',
  429: 'Too many requests; `Retry-After` says when to retry.',
  500: 'A bug on our side; the response carries no internals.',
  503: 'A dependency is down; try again later.',
}

/** OpenAPI response entries for the given error statuses, each with its schema and an example. */
export function problemResponses(...statuses: ProblemStatus[]) {
  const responses: Record<number, unknown> = {}
  for (const status of statuses) {
    responses[status] = {
      description: DESCRIPTIONS[status],
      content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem, example: exampleProblem(status) } },
    }
  }
  return responses
}
