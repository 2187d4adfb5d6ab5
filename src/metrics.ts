/**
 * Prometheus metrics (prom-client): one registry per app, never prom-client's global one (tests build several
 * apps in one process), the process's default metrics, and counters fed by the domain's events, the
 * dispatcher, the receipts and the rate limits. A label only ever holds a route pattern, a provider name or a
 * value from a small fixed set: never a phone number, a code, a key or a raw URL.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DomainError } from './domain/errors.js';
import type { DomainEvents } from './domain/ports.js';
import type { Limiter, RateLimits } from './limits/rate-limits.js';
import type { DispatcherOptions } from './sms/dispatcher.js';
import type { ReceiptRecorder } from './sms/receipts.js';

/**
 * prom-client's default buckets, 5 ms to 10 s: a cached read at the bottom, an argon2 registration (about
 * 100 ms) in the middle, a stuck database at the top. Fixed rather than configured: dashboards and alerts
 * are written against these bounds.
 */
const REQUEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The route label of a request no route matched (404s): one series, whatever the URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The provider label of an SMS outcome no single provider is to blame for (every one failed, or none tried). */
const NO_PROVIDER = 'none';

type SmsOutcome = Parameters<NonNullable<DispatcherOptions['onOutcome']>>[0];
type RateLimitName = keyof RateLimits | 'send_window';

/** What the SMS gauges read at each scrape. */
export interface SmsSources {
  /** Unfinished outbox messages by status: one cheap grouped count. */
  countUnfinished(): Promise<Record<'queued' | 'sending', number>>;
  providers: readonly string[];
  breakerState(provider: string): 'closed' | 'open' | 'half-open' | undefined;
}

export interface MetricsLogger {
  warn(object: object, message: string): void;
}

export function createMetrics(options: { logger: MetricsLogger }) {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'otpgate_' });
  // prom-client names three gauges *_total, a suffix Prometheus keeps for counters (promtool check metrics
  // refuses them); each is the sum of its per-type gauge (otpgate_nodejs_active_handles{type}), so sum() that.
  for (const kind of ['handles', 'requests', 'resources']) {
    registry.removeSingleMetric(`otpgate_nodejs_active_${kind}_total`);
  }

  const requestDuration = new Histogram({
    name: 'otpgate_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: REQUEST_DURATION_BUCKETS,
    registers,
  });
  const verificationsStarted = new Counter({
    name: 'otpgate_verifications_started_total',
    help: 'Verifications started (a code sent or a test number answered), by purpose.',
    labelNames: ['purpose'] as const,
    registers,
  });
  const verificationChecks = new Counter({
    name: 'otpgate_verification_checks_total',
    help: 'Code checks: approved, wrong_code, or refused (locked, expired, spent or canceled).',
    labelNames: ['result'] as const,
    registers,
  });
  const phoneLockouts = new Counter({
    name: 'otpgate_phone_lockouts_total',
    help: 'Phones locked out after too many failed checks.',
    registers,
  });
  const rateLimited = new Counter({
    name: 'otpgate_rate_limited_total',
    help: 'Requests refused by a limit: ip, client, phone (per minute) or send_window (OTP texts per phone).',
    labelNames: ['limit'] as const,
    registers,
  });
  const smsOutcomes = new Counter({
    name: 'otpgate_sms_total',
    help: 'Outbox messages handled by the dispatcher, by outcome and provider.',
    labelNames: ['outcome', 'provider'] as const,
    registers,
  });
  const smsReceipts = new Counter({
    name: 'otpgate_sms_receipts_total',
    help: 'Delivery receipts received (repeats included), by status and provider.',
    labelNames: ['status', 'provider'] as const,
    registers,
  });
  // The SMS gauges read their sources at each scrape; the dispatcher is built after the domain, hence later.
  let sms: SmsSources | undefined;
  new Gauge({
    name: 'otpgate_sms_outbox',
    help: 'Unfinished outbox messages, by status (queued or sending).',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      if (sms === undefined) return;
      try {
        const counts = await sms.countUnfinished();
        this.set({ status: 'queued' }, counts.queued);
        this.set({ status: 'sending' }, counts.sending);
      } catch (error) {
        // The rest of the scrape still helps when the database does not answer; a stale count would not.
        this.reset();
        options.logger.warn({ err: error }, 'outbox not counted for metrics');
      }
    },
  });
  new Gauge({
    name: 'otpgate_sms_provider_circuit_open',
    help: '1 while a provider is skipped after repeated failures, else 0.',
    labelNames: ['provider'] as const,
    registers,
    collect() {
      for (const provider of sms?.providers ?? []) {
        this.set({ provider }, sms?.breakerState(provider) === 'open' ? 1 : 0);
      }
    },
  });

  // Zeros from the start, so a rate() has a series to work on before the first event.
  for (const result of ['approved', 'wrong_code', 'refused']) verificationChecks.inc({ result }, 0);
  for (const limit of ['ip', 'client', 'phone', 'send_window']) rateLimited.inc({ limit }, 0);

  const domainEvents: DomainEvents = {
    verificationStarted: (purpose) => verificationsStarted.inc({ purpose }),
    verificationChecked: (result) => verificationChecks.inc({ result }),
    phoneLockedOut: () => phoneLockouts.inc(),
    sendWindowFull: () => rateLimited.inc({ limit: 'send_window' }),
  };

  function countRefusals(limiter: Limiter, limit: RateLimitName): Limiter {
    return {
      async consume(key) {
        try {
          await limiter.consume(key);
        } catch (error) {
          if (error instanceof DomainError && error.code === 'rate_limited') rateLimited.inc({ limit });
          throw error;
        }
      },
    };
  }

  return {
    registry,
    /** The domain's outcomes, counted. */
    domainEvents,

    observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
      requestDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
    },

    /** The dispatcher's onOutcome. */
    countSmsOutcome(outcome: SmsOutcome, provider: string | undefined): void {
      smsOutcomes.inc({ outcome, provider: provider ?? NO_PROVIDER });
    },

    /** The same limits, counting each refusal by the limit's name. */
    countRateLimits(limits: RateLimits): RateLimits {
      return {
        ip: countRefusals(limits.ip, 'ip'),
        webhook: countRefusals(limits.webhook, 'webhook'),
        client: countRefusals(limits.client, 'client'),
        phone: countRefusals(limits.phone, 'phone'),
        adminSignIn: countRefusals(limits.adminSignIn, 'adminSignIn'),
      };
    },

    /** The same recorder, counting every receipt handed to it (from a provider link or a webhook). */
    countReceipts(recorder: ReceiptRecorder): ReceiptRecorder {
      return {
        ...recorder,
        record(receipt) {
          smsReceipts.inc({ status: receipt.status, provider: receipt.provider });
          return recorder.record(receipt);
        },
      };
    },

    /** The SMS gauges, read at each scrape. */
    watchSms(sources: SmsSources): void {
      sms = sources;
    },

    /** The text exposition of every metric, and its content type. */
    async exposition(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
