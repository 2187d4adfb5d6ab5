/**
 * The SMS side, wired once: the providers SMS_PROVIDERS names (or the dev outbox), the routes between
 * them, the receipt recorder each provider reports to, and the dispatcher that drains the outbox.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config.js';
import type { Clock } from '../domain/ports.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { Metrics } from '../metrics.js';
import type { Database } from '../store/database.js';
import { outboxQueue } from '../store/outbox-queue.js';
import { createDispatcher } from './dispatcher.js';
import { priceOf } from './pricing.js';
import type { SmsProvider } from './provider.js';
import { createDevOutboxProvider } from './providers/dev-outbox/index.js';
import { createSmsProviders, planSmsProviders, type ProviderPlan } from './providers/index.js';
import { createReceiptRecorder } from './receipts.js';
import { parseSmsRoutes } from './routing.js';

/** SMS_ROUTES routes texts: WhatsApp and email providers carry their own channels, never an SMS. */
function smsRouter<P extends { name: string; channel?: string }>(config: Config, providers: readonly P[]) {
  try {
    return parseSmsRoutes(
      config.smsRoutes,
      providers.filter((provider) => (provider.channel ?? 'sms') === 'sms'),
    );
  } catch (error) {
    throw new ConfigError('SMS_ROUTES', error instanceof Error ? error.message : String(error));
  }
}

/** The providers to create: from SMS_PROVIDERS, or none (the dev outbox), or the ones a test hands in. */
export interface SmsPlan {
  plans: readonly ProviderPlan[];
  given: SmsProvider[] | undefined;
}

/**
 * Checks provider URLs and routes before anything is opened, so that a bad one stops the start at once;
 * nothing connects yet.
 */
export function planSms(config: Config, given: SmsProvider[] | undefined): SmsPlan {
  const plans =
    given === undefined
      ? planSmsProviders(config.smsProviders, {
          production: config.production,
          publicUrlGiven: config.publicUrlGiven,
        })
      : [];
  const names = given ?? (plans.length > 0 ? plans : [{ name: 'dev-outbox' }]);
  smsRouter(
    config,
    names.map((named) => ({
      name: named.name,
      channel: 'kind' in named && (named.kind === 'whatsapp' || named.kind === 'smtp') ? 'other' : 'sms',
    })),
  );
  return { plans, given };
}

export function wireSms(deps: {
  plan: SmsPlan;
  config: Config;
  db: Kysely<Database>;
  box: SecretBox;
  clock: Clock;
  logger: Logger;
  metrics: Metrics | undefined;
  /** The dev outbox's console echo. */
  devEcho: NodeJS.WritableStream | null;
}) {
  const { config, clock, logger, metrics } = deps;
  const providers =
    deps.plan.given ??
    (deps.plan.plans.length === 0
      ? [createDevOutboxProvider({ file: join(config.dataDir, 'sms-outbox.jsonl'), echo: deps.devEcho })]
      : createSmsProviders(deps.plan.plans, {
          publicUrl: config.publicUrl,
          receiptKey: createHmac('sha256', config.codeSecret).update('otpgate sms receipt urls').digest(),
          logger: logger.child({ component: 'sms-provider' }),
          now: () => clock.now(),
        }));
  const router = smsRouter(config, providers);
  const recorder = createReceiptRecorder({
    db: deps.db,
    clock,
    logger: logger.child({ component: 'sms-receipts' }),
    // Receipts arrive once providers are started, after the dispatcher below exists.
    recording: (provider, ref) => dispatcher.recordingOf(provider, ref),
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
  const outbox = outboxQueue(deps.db);
  const dispatcher = createDispatcher({
    queue: outbox,
    providers,
    box: deps.box,
    clock,
    logger: logger.child({ component: 'dispatcher' }),
    leaseSeconds: config.smsLeaseSeconds,
    pollMs: config.smsPollMs,
    recordWaitMs: config.smsRecordWaitMs,
    concurrency: config.smsConcurrency,
    breakerOpenMs: config.smsBreakerOpenMs,
    route: (to, country) => router.providersFor(to, country),
    priceOf: (parts, lookup) => {
      const amount = priceOf(config.smsPrices, parts, lookup);
      return amount === undefined ? undefined : { amount, currency: config.smsCurrency };
    },
    onRecorded: (sends) => receipts.releaseHeldOf(sends),
    onOutcome: metrics?.countSmsOutcome,
  });
  metrics?.watchSms({
    countUnfinished: () => outbox.countUnfinished(),
    providers: providers.map((provider) => provider.name),
    breakerState: (provider) => dispatcher.breakerState(provider),
  });
  return {
    providers,
    receipts,
    dispatcher,
    async close() {
      await dispatcher.stop();
      await Promise.all(providers.map((provider) => provider.close()));
      await receipts.settled();
    },
  };
}

export type SmsSide = ReturnType<typeof wireSms>;
