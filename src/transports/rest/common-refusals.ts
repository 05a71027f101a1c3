// Refusals that every route can give, whatever its own schema says, documented on each route they apply to:
// a malformed query string (422, src/plugins/validation.ts), a path segment over the router's limit (414), and,
// where bearer tokens are read (not on operational routes nor where `config.bearer` is false), a malformed (400) or invalid (401) one, refused even where anonymous callers
// are welcome (src/plugins/auth.ts).

import type { RouteOptions } from 'fastify'
import { STATUS_CODES } from '../../plugins/node-http.ts'
import { isOperationalRoute } from '../../plugins/operational-routes.ts'
import { exampleProblem, PROBLEM_CONTENT_TYPE, Problem, problemResponses } from '../../plugins/problem.ts'

type Response = { content?: Record<string, unknown> } & Record<string, unknown>

// 414 has no problem type of its own (it is a `bad-request`), so its entry is made here.
const TOO_LONG = 'A segment of the path is longer than the server accepts.'
const URI_TOO_LONG: Response = {
  description: TOO_LONG,
  content: {
    [PROBLEM_CONTENT_TYPE]: {
      schema: Problem,
      example: { ...exampleProblem(400), status: 414, title: STATUS_CODES[414], detail: TOO_LONG },
    },
  },
}

/** An onRoute hook: adds the refusals that apply to the route to its documented responses. */
export function documentCommonRefusals(route: RouteOptions): void {
  const schema = route.schema
  if (!schema || schema.hide) return
  const responses = { ...(schema.response as Record<string, Response> | undefined) }
  const add = (status: number, response: Response) => {
    // A status the route documents itself stays as it says (OAuth2's 400 is the RFC 6749 shape).
    if (!responses[status]) responses[status] = response
  }
  const problems = problemResponses(400, 401, 422) as Record<number, Response>
  add(422, problems[422] as Response)
  if (route.url.includes(':')) add(414, URI_TOO_LONG)
  if (route.config?.bearer !== false && !isOperationalRoute(route.url)) {
    add(400, problems[400] as Response)
    add(401, problems[401] as Response)
  }
  schema.response = responses
}
