/** Probes are not clients: outside the rate limits, the request metrics and the info-level request log. */
export const PROBE_ROUTES: ReadonlySet<string> = new Set(['/livez', '/readyz', '/healthz']);
