/**
 * Builds the service: storage and migrations, then the domain and the SMS dispatcher, then the HTTP
 * app (plugins, then services, then faces) with one error handler.
 */
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import scalar from '@scalar/fastify-api-reference';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { ConfigError, type Config } from './config.js';
import { createClients, type Clients } from './domain/clients.js';
import { createDomain, type Domain } from './domain/index.js';
import { systemClock, type Clock } from './domain/ports.js';
import { createSecretBox } from './domain/secret-box.js';
import { holdsTheDatabaseSecret } from './domain/secret-check.js';
import { refuseControlCharacters } from './http/control-characters.js';
import { sendNativeError } from './http/errors.js';
import { registerFaces } from './faces/index.js';
import type { HttpApp } from './faces/context.js';
import { ErrorReply, HealthReply } from './faces/native/schemas.js';
import { createRateLimits } from './limits/rate-limits.js';
import { connectRedis } from './limits/redis.js';
import { createLogger } from './logger.js';
import { registerMetricsEndpoint } from './http/metrics-endpoint.js';
import { createMetrics } from './metrics.js';
import { createDispatcher, type Dispatcher } from './sms/dispatcher.js';
import { createDevOutboxProvider } from './sms/providers/dev-outbox/index.js';
import { createSmsProviders, planSmsProviders, type ProviderPlan } from './sms/providers/index.js';
import { createReceiptRecorder } from './sms/receipts.js';
import { parseSmsRoutes } from './sms/routing.js';
import { priceOf } from './sms/pricing.js';
import type { SmsProvider } from './sms/provider.js';
import { openDatabase, migrateToLatest, type OpenedDatabase } from './store/connect.js';
import { createStore } from './store/index.js';
import { outboxQueue } from './store/outbox-queue.js';
import { secretCheckStore } from './store/secret-check.js';
import { purgeExpired } from './store/retention.js';

/** How often the retention purge runs. */
const RETENTION_EVERY_MS = 3_600_000;
import { sql } from 'kysely';

export interface AppOptions {
  config: Config;
  clock?: Clock;
  /** Where logs go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
  /** The dev outbox's console echo; stderr by default, null for none. */
  devEcho?: NodeJS.WritableStream | null;
  /** Start the dispatcher loop (tests drive it by hand instead). */
  startDispatcher?: boolean;
  /** An already opened database (tests open one per run). */
  database?: OpenedDatabase;
  /** Providers to send with instead of those SMS_PROVIDERS names (tests). */
  providers?: SmsProvider[];
}

export interface App {
  http: HttpApp;
  domain: Domain;
  clients: Clients;
  dispatcher: Dispatcher;
  database: OpenedDatabase;
  logger: Logger;
  close(): Promise<void>;
}

function smsProviders(
  config: Config,
  plans: readonly ProviderPlan[],
  devEcho: NodeJS.WritableStream | null,
  logger: Logger,
  clock: Clock,
): SmsProvider[] {
  if (plans.length === 0) {
    return [createDevOutboxProvider({ file: join(config.dataDir, 'sms-outbox.jsonl'), echo: devEcho })];
  }
  return createSmsProviders(plans, {
    publicUrl: config.publicUrl,
    logger: logger.child({ component: 'sms-provider' }),
    now: () => clock.now(),
  });
}

function smsRouter<P extends { name: string }>(config: Config, providers: readonly P[]) {
  try {
    return parseSmsRoutes(config.smsRoutes, providers);
  } catch (error) {
    throw new ConfigError('SMS_ROUTES', error instanceof Error ? error.message : String(error));
  }
}

async function refuseAnotherSecret(database: OpenedDatabase, owned: boolean, secret: Buffer): Promise<void> {
  if (await holdsTheDatabaseSecret(secretCheckStore(database.db), createSecretBox(secret))) return;
  if (owned) await database.db.destroy();
  throw new ConfigError(
    'CODE_SECRET',
    'is not the secret this database was set up with: every node (and the CLI) must share one CODE_SECRET',
  );
}

export async function buildApp(options: AppOptions): Promise<App> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = createLogger(config.logLevel, options.logStream);
  // Provider URLs and routes are checked before anything is opened: a bad one stops the start at once.
  const smsPlans =
    options.providers === undefined
      ? planSmsProviders(config.smsProviders, { production: config.production })
      : [];
  const smsNames = (options.providers ?? (smsPlans.length > 0 ? smsPlans : [{ name: 'dev-outbox' }])).map(
    ({ name }) => ({ name }),
  );
  smsRouter(config, smsNames);

  // Storage first: nothing answers before the schema is current.
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      timeouts: {
        statementMs: config.databaseStatementTimeoutMs,
        connectMs: config.databaseConnectTimeoutMs,
      },
    }));
  await migrateToLatest(database.db);
  // Before any row is read or sealed: a node with another CODE_SECRET would re-seal the bootstrap key.
  await refuseAnotherSecret(database, options.database === undefined, config.codeSecret);
  const store = createStore(database.db);

  const redis =
    config.redisUrl === undefined
      ? undefined
      : connectRedis(config.redisUrl, {
          commandTimeoutMs: config.redisCommandTimeoutMs,
          logger: logger.child({ component: 'redis' }),
          clock,
        });
  // Metrics only when METRICS_TOKEN guards them: prom-client's process collectors cannot be stopped once
  // started, and there is nothing to count for nobody.
  const metrics =
    config.metricsToken === undefined
      ? undefined
      : createMetrics({ logger: logger.child({ component: 'metrics' }) });
  const rateLimits = createRateLimits(config.rateLimits, redis?.client);
  const limits = metrics === undefined ? rateLimits : metrics.countRateLimits(rateLimits);

  // Services.
  // The domain wakes the dispatcher, which is built after it (it needs the domain's secret box).
  const wakeTarget: { dispatcher?: Dispatcher } = {};
  const outboxSignal = { messagesQueued: () => wakeTarget.dispatcher?.messagesQueued() };
  const domain = createDomain({
    config,
    store,
    clock,
    phoneLimiter: limits.phone,
    outbox: outboxSignal,
    events: metrics?.domainEvents,
  });
  const clients = createClients({ store, box: domain.box, clock });
  if (config.bootstrapClient !== undefined) {
    const { code, key, tenant } = config.bootstrapClient;
    await clients.upsert(code, key, tenant);
  }
  const providers =
    options.providers ??
    smsProviders(
      config,
      smsPlans,
      options.devEcho === undefined ? process.stderr : options.devEcho,
      logger,
      clock,
    );
  const router = smsRouter(config, providers);
  const recorder = createReceiptRecorder({
    db: database.db,
    clock,
    logger: logger.child({ component: 'sms-receipts' }),
  });
  const receipts = metrics === undefined ? recorder : metrics.countReceipts(recorder);
  for (const provider of providers) {
    // The promise settles the provider's answer: a receipt not recorded is refused, so the SMSC redelivers it.
    provider.onReceipt?.((receipt) =>
      receipts.record(receipt).then(
        () => undefined,
        (error: unknown) => {
          logger.error({ err: error, provider: provider.name }, 'receipt not recorded');
          throw error;
        },
      ),
    );
  }
  const outbox = outboxQueue(database.db);
  const dispatcher = createDispatcher({
    queue: outbox,
    providers,
    box: domain.box,
    clock,
    logger: logger.child({ component: 'dispatcher' }),
    leaseSeconds: config.smsLeaseSeconds,
    pollMs: config.smsPollMs,
    concurrency: config.smsConcurrency,
    breakerOpenMs: config.smsBreakerOpenMs,
    route: (to, country) => router.providersFor(to, country),
    priceOf: (parts, lookup) => {
      const amount = priceOf(config.smsPrices, parts, lookup);
      return amount === undefined ? undefined : { amount, currency: config.smsCurrency };
    },
    onRecorded: (provider, refs) => receipts.releaseHeld(provider, refs),
    onOutcome: metrics?.countSmsOutcome,
  });
  wakeTarget.dispatcher = dispatcher;
  // Finished verifications and messages are kept RETENTION_DAYS, then purged in small batches.
  const retention = setInterval(() => {
    purgeExpired(database.db, clock.now(), { keepDays: config.retentionDays }).catch((error: unknown) =>
      logger.error({ err: error }, 'retention purge failed'),
    );
  }, RETENTION_EVERY_MS);
  retention.unref();
  metrics?.watchSms({
    countUnfinished: () => outbox.countUnfinished(),
    providers: providers.map((provider) => provider.name),
    breakerState: (provider) => dispatcher.breakerState(provider),
  });

  // HTTP: plugins, then the faces, then one error handler.
  const http = Fastify({
    loggerInstance: logger,
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
  // Before registering the faces, so each inherits it and refuses in its own shape.
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
  http.get('/openapi.json', { schema: { hide: true } }, async () => http.swagger());
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
    async () => {
      await sql`select 1`.execute(database.db);
      return {
        status: 'ok' as const,
        database: database.driver,
        ...(redis === undefined ? {} : { redis: redis.status() }),
      };
    },
  );
  await registerFaces(
    http,
    {
      domain,
      clients,
      limits,
      config,
      clock,
      db: database.db,
      smsWebhooks: { providers, recorder: receipts },
    },
    config.facesWithoutAuth,
  );
  await http.ready();

  if (options.startDispatcher ?? true) dispatcher.start();

  return {
    http,
    domain,
    clients,
    dispatcher: dispatcher,
    database,
    logger,
    async close() {
      clearInterval(retention);
      await http.close();
      await dispatcher.stop();
      await Promise.all(providers.map((provider) => provider.close()));
      await receipts.settled();
      redis?.close();
      if (options.database === undefined) await database.db.destroy();
    },
  };
}
