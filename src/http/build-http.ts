/**
 * The HTTP app before any face: Fastify with our limits and timeouts, one error handler, the per-IP
 * and webhook budgets, the control-character rule every face inherits, the API reference and the probes.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { HttpApp } from '../faces/context.js';
import { ErrorReply, HealthReply, LiveReply, replyOf } from '../faces/native/schemas.js';
import type { RateLimits } from '../limits/rate-limits.js';
import type { Metrics } from '../metrics.js';
import { registerApiReference } from './api-reference.js';
import { refuseControlCharacters } from './control-characters.js';
import { DomainError } from '../domain/errors.js';
import { REQUEST_ID_HEADER, requestIdOf, traceIdOf } from './request-ids.js';
import { errorBody, languageOf, sendNativeError, toDomainError } from './errors.js';
import { registerMetricsEndpoint } from './metrics-endpoint.js';
import { PROBE_ROUTES } from './probe-routes.js';

export interface Readiness {
  /** Throws while the database cannot be reached. */
  database(): Promise<'pglite' | 'postgres'>;
  /** Absent when no REDIS_URL is set. */
  redis?: () => 'ok' | 'unavailable';
  /** True from the shutdown signal on: unready, and every reply closes its connection. */
  draining(): boolean;
}

export async function buildHttp(deps: {
  config: Config;
  logger: Logger;
  limits: RateLimits;
  metrics: Metrics | undefined;
  readiness: Readiness;
  /** Told of every refusal of any face (security events). */
  onRefused?: (refusal: DomainError, request: FastifyRequest) => void;
}): Promise<HttpApp> {
  const { config, limits, metrics } = deps;
  const http = Fastify({
    loggerInstance: deps.logger,
    // Our own X-Request-ID rule (kept when it looks like an id), and a trace id on the request's log lines.
    requestIdHeader: false,
    genReqId: requestIdOf,
    childLoggerFactory(logger, bindings, options, raw) {
      const traceId = traceIdOf(raw as IncomingMessage);
      return logger.child(traceId === undefined ? bindings : { ...bindings, traceId }, options);
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestTimeout: config.httpTimeouts.requestMs,
    keepAliveTimeout: config.httpTimeouts.keepAliveMs,
    http: {
      headersTimeout: config.httpTimeouts.headersMs,
      connectionsCheckingInterval: config.httpTimeouts.checkIntervalMs,
    },
    // Unknown fields are refused (400), not silently dropped; types are not coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Echoed before anything can answer, so errors and refusals carry it too.
  http.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  http.decorateRequest('client', null);
  http.decorateRequest('tenantWithoutAuth', config.facesWithoutAuthTenant);
  http.setErrorHandler((error, request, reply) => sendNativeError(error, request, reply));
  const { onRefused } = deps;
  if (onRefused !== undefined) {
    // Added before the faces, so every face inherits it, whatever its own error handler.
    http.addHook('onError', async (request, _reply, error) => onRefused(toDomainError(error), request));
  }
  http.setNotFoundHandler((request, reply) =>
    sendNativeError(Object.assign(new Error('not found'), { statusCode: 404 }), request, reply),
  );
  // Probes and the metrics scraper are not clients. Providers' callbacks have a budget of their own, far
  // above the clients' (a refused delivery receipt may be lost: Twilio does not retry).
  http.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url ?? '';
    if (route.startsWith('/webhooks/')) await limits.webhook.consume(request.ip);
    else if (!PROBE_ROUTES.has(route) && route !== '/metrics') await limits.ip.consume(request.ip);
  });
  // Before the faces are registered, so each inherits it and refuses in its own shape.
  http.addHook('preValidation', refuseControlCharacters);
  if (metrics !== undefined && config.metricsToken !== undefined) {
    registerMetricsEndpoint(http, metrics, config.metricsToken);
  }

  await registerApiReference(http, config);
  registerProbes(http, deps.readiness);
  return http;
}

/**
 * Probes: unauthenticated, outside the rate limits and the request metrics, logged only at debug. Readiness
 * turns 503 at the shutdown signal, so a load balancer moves traffic away while the node still answers; and
 * from then on every reply says `Connection: close`, so clients open their next connection elsewhere.
 */
function registerProbes(http: HttpApp, readiness: Readiness): void {
  http.addHook('onSend', async (_request, reply) => {
    if (readiness.draining()) reply.header('connection', 'close');
  });
  const quiet = { logLevel: 'warn' as const };
  http.get(
    '/livez',
    {
      ...quiet,
      schema: {
        tags: ['health'],
        operationId: 'getLiveness',
        security: [],
        summary: 'Alive: the process answers (restart it when this fails)',
        description:
          'Answers 200 while the process runs, whatever the database: a failing liveness probe means restart the node, which a database outage would not mend.',
        response: { 200: replyOf(LiveReply, 'Alive') },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  const ready = async (request: FastifyRequest, reply: FastifyReply) => {
    if (readiness.draining()) {
      // Expected, not a failure: answered here rather than thrown, so it logs no error.
      const unready = new DomainError('unavailable', { retryAfterSeconds: 1 });
      return reply
        .status(503)
        .header('retry-after', '1')
        .send(errorBody(unready, languageOf(request)));
    }
    return {
      status: 'ok' as const,
      database: await readiness.database(),
      ...(readiness.redis === undefined ? {} : { redis: readiness.redis() }),
    };
  };
  const readySchema = {
    tags: ['health'],
    summary: 'Ready: the schema is migrated, the database answers and the node is not shutting down',
    description:
      '503 while the database cannot be reached and from the shutdown signal on. Redis away is not unready: ' +
      'rate limits then count per node, so the reply stays 200 and says `redis: "unavailable"` (were it ' +
      'unready, one Redis outage would take every node out of the load balancer at once).',
    security: [],
    response: {
      200: replyOf(HealthReply, 'Ready: the database answers'),
      503: replyOf(ErrorReply, 'Not ready: the database cannot be reached, or the node is shutting down'),
    },
  };
  http.get('/readyz', { ...quiet, schema: { ...readySchema, operationId: 'getReadiness' } }, ready);
  http.get(
    '/healthz',
    {
      ...quiet,
      schema: {
        ...readySchema,
        operationId: 'getHealth',
        summary: 'The same as /readyz (kept for existing probes)',
      },
    },
    ready,
  );
}
