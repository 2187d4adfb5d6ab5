/**
 * GET /metrics for Prometheus, and the request-duration histogram behind it. Only wired when METRICS_TOKEN is
 * set, and then answered only to a request that carries that token as `Authorization: Bearer <token>`: the
 * API port faces the clients, and the traffic volumes and provider names are for the operator alone.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import type { HttpApp } from '../faces/context.js';
import { UNMATCHED_ROUTE, type Metrics } from '../metrics.js';
import { bearerKey } from './auth.js';
import { PROBE_ROUTES } from './probe-routes.js';

/** Hashed first: equal lengths, so the comparison neither throws nor tells the token's length. */
function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Register before the faces: a hook added later would not reach the routes they register. */
export function registerMetricsEndpoint(http: HttpApp, metrics: Metrics, token: string): void {
  http.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the URL: ids and query strings would make a series per request, and may be secret.
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    // A probe every few seconds from every balancer is not traffic.
    if (PROBE_ROUTES.has(route)) return;
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  http.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!tokenMatches(bearerKey(request), token)) {
      reply.header('www-authenticate', 'Bearer');
      throw new DomainError('unauthorized');
    }
    const { contentType, body } = await metrics.exposition();
    return reply.type(contentType).send(body);
  });
}
