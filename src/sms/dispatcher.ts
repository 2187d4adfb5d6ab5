/**
 * Outbox -> providers. Claims due messages (any number of nodes may run one), sends each through the
 * first provider whose circuit is closed, and records the outcome: sent, retried later with
 * exponential backoff and jitter, or failed at once on a permanent refusal. A message whose code
 * expired is never sent late.
 */
import type { Clock, OutboxSignal } from '../domain/ports.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { ClaimedMessage, OutboxQueue } from '../store/outbox-queue.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { SmsError, type SmsProvider } from './provider.js';

export interface DispatcherLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface DispatcherOptions {
  queue: OutboxQueue;
  providers: SmsProvider[];
  box: SecretBox;
  clock: Clock;
  logger: DispatcherLogger;
  leaseSeconds: number;
  pollMs: number;
  /** Messages claimed per round. */
  batchSize?: number;
  /** Claims after which a message that keeps failing transiently is given up. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt up to maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  breakerThreshold?: number;
  breakerOpenMs?: number;
  /** Called with each message's outcome (metrics). */
  onOutcome?: (outcome: 'sent' | 'retry' | 'failed' | 'expired', provider: string | undefined) => void;
}

export interface Dispatcher extends OutboxSignal {
  /** Claims and sends one batch; resolves with the number of messages handled. */
  runOnce(): Promise<number>;
  /** Runs batches until none is due (tests and shutdown). */
  drain(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  readonly providers: readonly SmsProvider[];
  breakerState(provider: string): 'closed' | 'open' | 'half-open' | undefined;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const {
    queue,
    providers,
    box,
    clock,
    logger,
    batchSize = 20,
    maxAttempts = 12,
    baseBackoffMs = 1000,
    maxBackoffMs = 60_000,
  } = options;
  const now = () => clock.now().getTime();
  const breakers = new Map(
    providers.map((provider) => [
      provider.name,
      new CircuitBreaker(options.breakerThreshold ?? 3, options.breakerOpenMs ?? 30_000, now),
    ]),
  );

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let wakeRequested = false;
  let loop: Promise<void> | undefined;

  function backoffMs(attempts: number, error: SmsError | undefined): number {
    const exponential = Math.min(maxBackoffMs, baseBackoffMs * 2 ** Math.max(0, attempts - 1));
    // Full jitter: retries from many messages do not arrive at the provider in step.
    const jittered = Math.round(exponential / 2 + Math.random() * (exponential / 2));
    return Math.max(jittered, error?.retryAfterMs ?? 0);
  }

  async function sendOne(message: ClaimedMessage): Promise<void> {
    const at = clock.now();
    if (message.expiresAt !== null && message.expiresAt <= at) {
      await queue.markFailed(
        message.id,
        { code: 'expired', message: 'not sent: expired before it could go out' },
        at,
      );
      options.onOutcome?.('expired', undefined);
      return;
    }
    if (message.bodySealed === null) {
      await queue.markFailed(message.id, { code: 'no_body', message: 'the text was already erased' }, at);
      options.onOutcome?.('failed', undefined);
      return;
    }
    const text = box.open(message.bodySealed);
    let lastError: SmsError | undefined;
    for (const provider of providers) {
      const breaker = breakers.get(provider.name);
      if (breaker !== undefined && !breaker.tryAcquire()) continue;
      try {
        const result = await provider.send({ id: message.id, to: message.to, text, kind: message.kind });
        breaker?.success();
        await queue.markSent(
          message.id,
          {
            provider: provider.name,
            providerRef: result.providerRef,
            parts: result.parts,
            price: result.price?.amount ?? null,
            currency: result.price?.currency ?? null,
          },
          clock.now(),
        );
        options.onOutcome?.('sent', provider.name);
        return;
      } catch (caught) {
        const error =
          caught instanceof SmsError
            ? caught
            : new SmsError('unavailable', caught instanceof Error ? caught.message : String(caught));
        lastError = error;
        if (error.code === 'rejected') {
          // A refusal of this message (e.g. an invalid number) will not change with another try.
          breaker?.success();
          await queue.markFailed(
            message.id,
            { code: error.providerCode ?? error.code, message: error.message, provider: provider.name },
            clock.now(),
          );
          options.onOutcome?.('failed', provider.name);
          return;
        }
        if (error.code === 'invalid_config') breaker?.trip();
        else breaker?.failure();
        logger.warn(
          { messageId: message.id, provider: provider.name, code: error.code },
          'sms provider failed',
        );
      }
    }
    const failure = {
      code: lastError?.providerCode ?? lastError?.code ?? 'no_provider',
      message: lastError?.message ?? 'every provider is skipped for now',
    };
    if (message.attempts >= maxAttempts) {
      await queue.markFailed(message.id, failure, clock.now());
      options.onOutcome?.('failed', undefined);
      return;
    }
    await queue.markRetry(
      message.id,
      new Date(now() + backoffMs(message.attempts, lastError)),
      failure,
      clock.now(),
    );
    options.onOutcome?.('retry', undefined);
  }

  async function runOnce(): Promise<number> {
    const at = clock.now();
    const claimed = await queue.claimDue(at, new Date(at.getTime() + options.leaseSeconds * 1000), batchSize);
    await Promise.all(
      claimed.map((message) =>
        sendOne(message).catch((error: unknown) =>
          logger.error(
            { messageId: message.id, err: error },
            'sms dispatch failed; the lease will expire and retry',
          ),
        ),
      ),
    );
    return claimed.length;
  }

  async function runLoop(): Promise<void> {
    while (running) {
      wakeRequested = false;
      let handled = 0;
      try {
        handled = await runOnce();
      } catch (error) {
        logger.error({ err: error }, 'sms dispatcher could not claim messages');
      }
      if (!running) break;
      if (handled > 0 || wakeRequested) continue;
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.pollMs);
        wake = resolve;
      });
    }
  }

  let wake: (() => void) | undefined;

  return {
    providers,
    runOnce,
    async drain() {
      while ((await runOnce()) > 0);
    },
    messagesQueued() {
      wakeRequested = true;
      if (timer !== undefined) clearTimeout(timer);
      wake?.();
      wake = undefined;
    },
    start() {
      if (running) return;
      running = true;
      loop = runLoop();
    },
    async stop() {
      running = false;
      if (timer !== undefined) clearTimeout(timer);
      wake?.();
      await loop;
    },
    breakerState(provider) {
      return breakers.get(provider)?.state;
    },
  };
}
