/**
 * The HTTP app before any face: Fastify with our limits and timeouts, one error handler, the per-IP
 * and webhook budgets, the control-character rule every face inherits, the API reference and the probes.
 */
import swagger from '@fastify/swagger';
import scalar from '@scalar/fastify-api-reference';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { HttpApp } from '../faces/context.js';
import { ErrorReply, HealthReply } from '../faces/native/schemas.js';
import type { RateLimits } from '../limits/rate-limits.js';
import type { Metrics } from '../metrics.js';
import { refuseControlCharacters } from './control-characters.js';
import { sendNativeError } from './errors.js';
import { registerMetricsEndpoint } from './metrics-endpoint.js';
import { clientDocument, type Document } from './openapi-documents.js';

export interface Readiness {
  /** Throws while the database cannot be reached. */
  database(): Promise<'pglite' | 'postgres'>;
  /** Absent when no REDIS_URL is set. */
  redis?: () => 'ok' | 'unavailable';
}

export async function buildHttp(deps: {
  config: Config;
  logger: Logger;
  limits: RateLimits;
  metrics: Metrics | undefined;
  readiness: Readiness;
}): Promise<HttpApp> {
  const { config, limits, metrics } = deps;
  const http = Fastify({
    loggerInstance: deps.logger,
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
  http.decorateRequest('client', null);
  http.decorateRequest('tenantWithoutAuth', config.facesWithoutAuthTenant);
  http.setErrorHandler((error, request, reply) => sendNativeError(error, request, reply));
  http.setNotFoundHandler((request, reply) =>
    sendNativeError(Object.assign(new Error('not found'), { statusCode: 404 }), request, reply),
  );
  // Probes and the metrics scraper are not clients. Providers' callbacks have a budget of their own, far
  // above the clients' (a refused delivery receipt may be lost: Twilio does not retry).
  const unmetered = /^\/(healthz|metrics)/;
  http.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url ?? '';
    if (route.startsWith('/webhooks/')) await limits.webhook.consume(request.ip);
    else if (!unmetered.test(route)) await limits.ip.consume(request.ip);
  });
  // Before the faces are registered, so each inherits it and refuses in its own shape.
  http.addHook('preValidation', refuseControlCharacters);
  if (metrics !== undefined && config.metricsToken !== undefined) {
    registerMetricsEndpoint(http, metrics, config.metricsToken);
  }

  await http.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'otpgate',
        version: '1',
        description: 'Phone-number verification by one-time passcode over SMS.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await http.register(scalar, { routePrefix: '/docs', configuration: { url: '/openapi.json' } });
  // The clients' document: the console's own API is described apart (http/openapi-documents.ts).
  http.get('/openapi.json', { schema: { hide: true } }, async () =>
    clientDocument(http.swagger() as unknown as Document),
  );
  const { readiness } = deps;
  http.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Ready once the schema is migrated and the database answers',
        description:
          '503 while the database cannot be reached. Redis away is not unready: rate limits then count ' +
          'per node, so the reply stays 200 and says `redis: "unavailable"`.',
        response: { 200: HealthReply, 503: ErrorReply },
      },
    },
    async () => ({
      status: 'ok' as const,
      database: await readiness.database(),
      ...(readiness.redis === undefined ? {} : { redis: readiness.redis() }),
    }),
  );
  return http;
}
