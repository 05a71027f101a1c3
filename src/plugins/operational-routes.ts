// Operational routes: the probes, the API reference and metrics. They answer whatever state a caller is in
// (a stale token left in its client, a spent quota): a load balancer, a monitor or a developer reading the
// docs is never told to sign in again or to wait. The auth and rate-limit plugins both go by this list.
const OPERATIONAL_ROUTES: readonly RegExp[] = [
  /^\/health\//,
  /^\/docs(\/|$)/,
  /^\/openapi\.json$/,
  /^\/asyncapi\.json$/,
  /^\/metrics$/,
]

/** Whether a route (by the URL it was registered with) is operational. */
export function isOperationalRoute(url: string): boolean {
  return OPERATIONAL_ROUTES.some((pattern) => pattern.test(url))
}
