/**
 * Builds the service, top to bottom: plan the SMS side (bad settings stop here), storage and its
 * migrations and secret check, limits and metrics, the SMS side, the domain and the clients, then the
 * HTTP app (plugins, then faces) with one error handler.
 */
import { sql } from 'kysely';
import type { DestinationStream, Logger } from 'pino';
import { ConfigError, type Config } from './config.js';
import { createAdmin } from './domain/admin.js';
import { createAdminSessions } from './domain/admin-sessions.js';
import { createClientRegistry, createClients, type Clients } from './domain/clients.js';
import { createDomain, type Domain } from './domain/index.js';
import { systemClock, type Clock } from './domain/ports.js';
import { createSecretBox, type SecretBox } from './domain/secret-box.js';
import { holdsTheDatabaseSecret } from './domain/secret-check.js';
import { registerFaces } from './faces/index.js';
import type { HttpApp } from './faces/context.js';
import { registerConsolePages } from './http/admin-console.js';
import { buildHttp } from './http/build-http.js';
import { recordRefusals } from './http/refusal-events.js';
import { createRateLimits } from './limits/rate-limits.js';
import { connectRedis } from './limits/redis.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import type { Dispatcher } from './sms/dispatcher.js';
import { createMessageCosts } from './sms/message-costs.js';
import type { SmsProvider } from './sms/provider.js';
import { planSms, wireSms } from './sms/wiring.js';
import { adminQueryStore, adminSessionStore } from './store/admin-queries.js';
import { clientRegistryStore } from './store/clients.js';
import { openDatabase, migrateToLatest, reachDatabase, type OpenedDatabase } from './store/connect.js';
import { createStore } from './store/index.js';
import { analyzeTables, purgeExpired, vacuumDueList } from './store/retention.js';
import { secretCheckStore } from './store/secret-check.js';
import { webhookQueue } from './store/webhook-queue.js';
import { createWebhookTransport } from './client-webhooks/transport.js';
import { createWebhookWorker, type WebhookWorker } from './client-webhooks/worker.js';

/** How often the retention purge runs. */
const RETENTION_EVERY_MS = 3_600_000;
/** How often the outbox's due list is vacuumed: a few thousand dead rows at most between runs. */
const DUE_LIST_VACUUM_MS = 5_000;
/** How often codes past their expiry are written expired (and clients told): a code lives minutes. */
const EXPIRY_SWEEP_EVERY_MS = 30_000;
/**
 * How often workflow steps that timed out or failed give way to the next channel: a step waits 15 s at the
 * least, and a fallback should follow its failure within seconds (an indexed look-up of a few rows).
 */
const WORKFLOW_SWEEP_EVERY_MS = 5_000;

export interface AppOptions {
  config: Config;
  clock?: Clock;
  /** Where logs go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
  /** The dev outbox's console echo; stderr by default, null for none. */
  devEcho?: NodeJS.WritableStream | null;
  /** Start the dispatcher loop (tests drive it by hand instead). */
  startDispatcher?: boolean;
  /** Start the webhook worker's loop and the expiry sweep; as startDispatcher by default (tests drive them by hand). */
  startWebhooks?: boolean;
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
  /** Posts status changes to clients' webhooks. */
  webhooks: WebhookWorker;
  database: OpenedDatabase;
  logger: Logger;
  /** The shutdown signal: readiness turns 503 and replies close their connections; requests still served. */
  drain(): void;
  close(): Promise<void>;
}

/** Opens the database (unless a test hands one in), brings its schema up to date and checks CODE_SECRET. */
async function openStorage(config: Config, given: OpenedDatabase | undefined): Promise<OpenedDatabase> {
  const database =
    given ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      timeouts: {
        statementMs: config.databaseStatementTimeoutMs,
        connectMs: config.databaseConnectTimeoutMs,
      },
    }));
  try {
    await reachDatabase(database.db, config);
  } catch (error) {
    if (given === undefined) await database.db.destroy().catch(() => undefined);
    throw error;
  }
  await migrateToLatest(database.db);
  // Before any row is read or sealed: a node with another CODE_SECRET would re-seal the bootstrap key.
  await refuseAnotherSecret(database, given === undefined, createSecretBox(config.codeSecret));
  return database;
}

async function refuseAnotherSecret(database: OpenedDatabase, owned: boolean, box: SecretBox): Promise<void> {
  if (await holdsTheDatabaseSecret(secretCheckStore(database.db), box)) return;
  if (owned) await database.db.destroy();
  throw new ConfigError(
    'CODE_SECRET',
    'is not the secret this database was set up with: every node (and the CLI) must share one CODE_SECRET',
  );
}

/** Rate limits (in Redis when REDIS_URL is set) and, when METRICS_TOKEN guards them, the metrics. */
function createLimits(config: Config, logger: Logger, clock: Clock) {
  const redis =
    config.redisUrl === undefined
      ? undefined
      : connectRedis(config.redisUrl, {
          commandTimeoutMs: config.redisCommandTimeoutMs,
          logger: logger.child({ component: 'redis' }),
          clock,
        });
  // prom-client's process collectors cannot be stopped once started, and there is nothing to count for nobody.
  const metrics =
    config.metricsToken === undefined
      ? undefined
      : createMetrics({ logger: logger.child({ component: 'metrics' }) });
  const rateLimits = createRateLimits(config.rateLimits, redis?.client);
  const limits = metrics === undefined ? rateLimits : metrics.countRateLimits(rateLimits);
  return { redis, metrics, limits };
}

/** The operator console's services, when ADMIN_KEY is set: sign-in sessions, and what an operator sees and does. */
function createAdminConsole(
  config: Config,
  deps: { database: OpenedDatabase; domain: Domain; clients: Clients; box: SecretBox; clock: Clock },
) {
  if (config.adminKey === undefined) return undefined;
  const { db } = deps.database;
  return {
    sessions: createAdminSessions({
      adminKey: config.adminKey,
      store: adminSessionStore(db),
      clock: deps.clock,
      policy: { ttlSeconds: config.adminSessionSeconds },
    }),
    admin: createAdmin({
      queries: adminQueryStore(db),
      registry: createClientRegistry({ store: clientRegistryStore(db), box: deps.box, clock: deps.clock }),
      clients: deps.clients,
      customers: deps.domain.customers,
      fraud: deps.domain.fraudConsole,
      sending: {
        defaultCountries:
          config.sendGuard.smsCountries === '*' ? ['*'] : [...config.sendGuard.smsCountries].sort(),
        tenantSendsPerDay: config.sendGuard.tenantSendsPerDay,
      },
      clock: deps.clock,
    }),
  };
}

/**
 * Runs `work` every `ms`, one run at a time (a slow run is not overlapped, the next tick is skipped); stop()
 * ends the schedule, tells the run in flight to stop where it can (`stop`, between batches) and waits for it,
 * so the database is not closed under it.
 */
function every(ms: number, logger: Logger, work: (stop: AbortSignal) => Promise<unknown>) {
  const stopping = new AbortController();
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= work(stopping.signal)
      .catch((error: unknown) => logger.error({ err: error }, 'a periodic job failed'))
      .finally(() => (running = undefined));
  }, ms);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await running;
    },
  };
}

/**
 * Finished verifications and messages are kept RETENTION_DAYS, then purged hourly in small batches; on PGlite
 * the tables are analyzed after (store/retention.ts says why).
 */
function scheduleRetention(database: OpenedDatabase, config: Config, clock: Clock, logger: Logger) {
  return every(RETENTION_EVERY_MS, logger, async (stop) => {
    await purgeExpired(database.db, clock.now(), { keepDays: config.retentionDays, stop }).catch(
      (error: unknown) => logger.error({ err: error }, 'retention purge failed'),
    );
    if (database.driver === 'pglite' && !stop.aborted) {
      await analyzeTables(database.db).catch((error: unknown) =>
        logger.error({ err: error }, 'the tables could not be analyzed'),
      );
    }
  });
}

/** Every DUE_LIST_VACUUM_MS, the outbox's due list vacuumed (store/retention.ts says why); one run at a time. */
function scheduleDueListVacuum(database: OpenedDatabase, logger: Logger) {
  let failures = 0;
  return every(DUE_LIST_VACUUM_MS, logger, () =>
    vacuumDueList(database.db).then(
      () => {
        failures = 0;
      },
      (error: unknown) => {
        // The database away (its own probes say so), or a role that may not vacuum: said once, not every run.
        if (failures++ === 0) logger.warn({ err: error }, 'the outbox due list could not be vacuumed');
      },
    ),
  );
}

/** The worker that posts status changes to clients' webhooks, the sweep that writes expiries and the workflows'. */
function wireWebhooks(
  database: OpenedDatabase,
  domain: Domain,
  deps: { config: Config; box: SecretBox; clock: Clock; logger: Logger },
) {
  const settings = deps.config.clientWebhooks;
  const transport = createWebhookTransport(settings);
  const worker = createWebhookWorker({
    queue: webhookQueue(database.db),
    transport,
    box: deps.box,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'webhooks' }),
    ...settings,
  });
  let sweeps: { stop(): Promise<void> }[] = [];
  return {
    worker,
    /** Starts the worker's loop and the expiry sweep (tests drive both by hand instead). */
    start() {
      worker.start();
      sweeps = [
        every(EXPIRY_SWEEP_EVERY_MS, deps.logger, () =>
          domain.verifications
            .expireOverdue()
            .catch((error: unknown) => deps.logger.warn({ err: error }, 'expiry sweep failed')),
        ),
        every(WORKFLOW_SWEEP_EVERY_MS, deps.logger, () =>
          domain.verifications
            .advanceWorkflows()
            .catch((error: unknown) => deps.logger.warn({ err: error }, 'workflow sweep failed')),
        ),
      ];
    },
    async close() {
      await Promise.all(sweeps.map((sweep) => sweep.stop()));
      await worker.stop();
      await transport.close();
    },
  };
}

export async function buildApp(options: AppOptions): Promise<App> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = createLogger(config.logLevel, options.logStream);
  const smsPlan = planSms(config, options.providers);

  const database = await openStorage(config, options.database);
  const store = createStore(database.db);
  const box = createSecretBox(config.codeSecret);
  const { redis, metrics, limits } = createLimits(config, logger, clock);

  const sms = wireSms({
    plan: smsPlan,
    config,
    db: database.db,
    box,
    clock,
    logger,
    metrics,
    devEcho: options.devEcho === undefined ? process.stderr : options.devEcho,
  });
  const domain = createDomain({
    config,
    store,
    clock,
    box,
    phoneLimiter: limits.phone,
    outbox: sms.dispatcher,
    costs: createMessageCosts(config.smsPrices, config.smsCurrency),
    events: metrics?.domainEvents,
    onEventWriteFailed: (error) => logger.warn({ err: error }, 'security event not written'),
  });
  const clients = createClients({ store, box, clock });
  if (config.bootstrapClient !== undefined) {
    const { code, key, tenant } = config.bootstrapClient;
    await clients.upsert(code, key, tenant);
  }
  const retention = scheduleRetention(database, config, clock, logger);
  const dueListVacuum = scheduleDueListVacuum(database, logger);
  let draining = false;
  const webhooks = wireWebhooks(database, domain, { config, box, clock, logger });

  const http = await buildHttp({
    config,
    logger,
    limits,
    metrics,
    readiness: {
      database: async () => {
        await sql`select 1`.execute(database.db);
        return database.driver;
      },
      redis: redis && (() => redis.status()),
      draining: () => draining,
    },
    onRefused: recordRefusals(domain.securityEvents),
  });
  await registerFaces(
    http,
    {
      domain,
      clients,
      limits,
      config,
      clock,
      smsWebhooks: { providers: sms.providers, recorder: sms.receipts },
      adminConsole: createAdminConsole(config, { database, domain, clients, box, clock }),
    },
    config.facesWithoutAuth,
  );
  if (config.adminKey !== undefined) await registerConsolePages(http);
  await http.ready();
  if (options.startDispatcher ?? true) sms.dispatcher.start();
  if (options.startWebhooks ?? options.startDispatcher ?? true) webhooks.start();

  return {
    http,
    domain,
    clients,
    dispatcher: sms.dispatcher,
    webhooks: webhooks.worker,
    database,
    logger,
    drain() {
      draining = true;
    },
    async close() {
      draining = true;
      await retention.stop();
      await dueListVacuum.stop();
      await http.close();
      await domain.securityEvents.settled();
      await sms.close();
      // After the SMS side: its last outcomes may queue message events, posted by the next node to start.
      await webhooks.close();
      await redis?.close();
      if (options.database === undefined) await database.db.destroy();
    },
  };
}
