/**
 * webhook_deliveries -> clients' receivers. Claims due deliveries (any number of nodes may run a worker: the
 * claim skips rows another holds, and a lease outlives every post), posts each signed, and records the
 * outcome under its claim: delivered on a 2xx, otherwise retried with exponential backoff until
 * WEBHOOK_RETRY_HOURS after the change, then given up. Nothing here runs in a request: a slow receiver
 * delays only its own deliveries.
 *
 * At least once: a node that dies after a receiver answered and before the outcome is recorded leaves the row
 * to its lease, and it is posted again (with the same event id, which receivers deduplicate on). A node that
 * stops (stop()) waits for its posts and records them, so a restart repeats nothing.
 */
import { createClaimLoop } from '../claim-loop.js';
import type { Clock } from '../domain/ports.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { ClaimedDelivery, WebhookQueue } from '../store/webhook-queue.js';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.js';
import type { WebhookTransport } from './transport.js';

export interface WebhookLogger {
  debug(object: object, message: string): void;
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface WebhookWorkerOptions {
  queue: WebhookQueue;
  transport: WebhookTransport;
  /** Opens the sealed signing secrets. */
  box: SecretBox;
  clock: Clock;
  logger: WebhookLogger;
  /** The transport's deadline per post: the lease is longer, so no post outlives its claim. */
  timeoutMs: number;
  /** Since the change: past it, a failed post is the last one. */
  giveUpAfterMs: number;
  pollMs: number;
  concurrency: number;
}

export interface WebhookWorker {
  /** Claims and posts one batch; resolves with the number handled. */
  runOnce(): Promise<number>;
  /** Runs batches until none is due (tests). */
  drain(): Promise<void>;
  start(): void;
  /** Stops claiming and waits for the posts in flight, their outcomes recorded. */
  stop(): Promise<void>;
}

/** Kept free at the end of a lease for recording the outcome. */
const RECORD_MARGIN_MS = 5_000;
/** First retry after 10 s, doubling per attempt up to an hour: about 30 tries in a day. */
const FIRST_RETRY_MS = 10_000;
const MAX_RETRY_MS = 3_600_000;
/** The longest pause between claims while they keep failing (the database is away). */
const MAX_CLAIM_BACKOFF_MS = 10_000;

/** The body posted: the event's id, type and time, and the subject as the change left it. */
export function eventBody(delivery: Pick<ClaimedDelivery, 'id' | 'eventType' | 'createdAt' | 'data'>) {
  return JSON.stringify({
    id: delivery.id,
    type: delivery.eventType,
    createdAt: delivery.createdAt.toISOString(),
    data: delivery.data,
  });
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

export function createWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { queue, transport, box, clock, logger } = options;
  const leaseMs = options.timeoutMs + RECORD_MARGIN_MS;

  /** Equal jitter: retries of many deliveries to one receiver that came back do not arrive in step. */
  function retryDelayMs(attempts: number): number {
    const exponential = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
    return Math.round(exponential / 2 + Math.random() * (exponential / 2));
  }

  async function deliver(delivery: ClaimedDelivery): Promise<void> {
    const body = eventBody(delivery);
    const timestamp = Math.floor(clock.now().getTime() / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'otpgate-webhooks/1',
      [SIGNATURE_HEADER]: signatureHeader(box.open(delivery.secretSealed), timestamp, body),
      [EVENT_ID_HEADER]: delivery.id,
      [EVENT_TYPE_HEADER]: delivery.eventType,
    };
    const about = { eventId: delivery.id, type: delivery.eventType, attempts: delivery.attempts };
    let failure: { statusCode: number | null; error: string };
    try {
      const statusCode = await transport.post({ url: delivery.url, headers, body });
      if (statusCode >= 200 && statusCode < 300) {
        const recorded = await queue.markDelivered(delivery.id, delivery.claimId, statusCode, clock.now());
        if (!recorded) logger.warn(about, 'webhook delivered, but its claim had run out meanwhile');
        else logger.debug({ ...about, statusCode }, 'webhook delivered');
        return;
      }
      failure = { statusCode, error: `the receiver answered HTTP ${statusCode}` };
    } catch (error) {
      failure = { statusCode: null, error: describeFailure(error) };
    }
    const now = clock.now();
    const lastTry = now.getTime() >= delivery.createdAt.getTime() + options.giveUpAfterMs;
    const next = lastTry ? null : new Date(now.getTime() + retryDelayMs(delivery.attempts));
    await queue.markFailedAttempt(delivery.id, delivery.claimId, failure, next, now);
    if (next === null) logger.warn({ ...about, error: failure.error }, 'webhook given up');
    else logger.info({ ...about, error: failure.error, retryAt: next }, 'webhook failed; will retry');
  }

  const loop = createClaimLoop({
    concurrency: options.concurrency,
    pollMs: options.pollMs,
    maxBackoffMs: MAX_CLAIM_BACKOFF_MS,
    claim(free) {
      const now = clock.now();
      return queue.claimDue(now, new Date(now.getTime() + leaseMs), free);
    },
    run: (delivery) =>
      deliver(delivery).catch((error: unknown) =>
        // Recording failed (the database is away): the lease runs out and the row is posted again.
        logger.warn(
          { eventId: delivery.id, err: error },
          'webhook outcome not recorded; retried after its lease',
        ),
      ),
    claimFailed(error, failures, retryInMs) {
      if (failures === 1)
        logger.warn({ err: error, retryInMs }, 'webhook worker could not claim; backing off');
    },
  });

  return {
    runOnce: () => loop.runOnce(),
    drain: () => loop.drain(),
    start: () => loop.start(),
    stop: () => loop.stop(),
  };
}
