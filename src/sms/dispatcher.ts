/**
 * Outbox -> providers. Claims due messages (any number of nodes may run one), sends each through the
 * first provider on its route whose circuit is closed, and records the outcome: sent (with its parts and
 * price), retried later with exponential backoff and jitter by the error's code, or failed at once on a
 * permanent refusal. A message whose code expired is never sent late. Up to `concurrency` messages are in
 * flight per node; notices may take only part of them, so an OTP never waits behind a burst of notices.
 */
import type { Clock, OutboxSignal } from '../domain/ports.js';
import type { SecretBox } from '../domain/secret-box.js';
import { createClaimLoop } from '../claim-loop.js';
import { countryOf } from '../domain/phones.js';
import { createBatcher } from '../batch.js';
import type { ClaimedMessage, OutboxQueue, SentRecord } from '../store/outbox-queue.js';
import { CircuitBreaker } from './circuit-breaker.js';
import {
  SmsError,
  type OutgoingSms,
  type Price,
  type SendResult,
  type SmsErrorCode,
  type SmsProvider,
} from './provider.js';

export interface DispatcherLogger {
  debug(object: object, message: string): void;
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** How long and how often a message that failed transiently is tried again. */
export interface RetryRule {
  /** Claims after which the message is given up (the first send counts). */
  maxAttempts: number;
  /** First retry delay; doubles per attempt up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export type RetryPolicy = Record<'rate_limited' | 'unavailable', RetryRule>;

/**
 * Jasmin's retry classes: a throttle (ESME_RTHROTTLED, ESME_RMSGQFUL, HTTP 429) says "later", so it is
 * retried patiently; an outage (system error, timeout, 5xx) a few times, quickly, and the breaker moves the
 * traffic to the next provider meanwhile. An OTP's expiry stops both long before the last attempt.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  rate_limited: { maxAttempts: 20, baseBackoffMs: 2_000, maxBackoffMs: 120_000 },
  unavailable: { maxAttempts: 6, baseBackoffMs: 1_000, maxBackoffMs: 30_000 },
};

export interface DispatcherOptions {
  queue: OutboxQueue;
  providers: SmsProvider[];
  /** The providers for one destination, in order (SMS_ROUTES); every provider in order by default. */
  route?: (to: string, country: string | undefined) => readonly SmsProvider[];
  /** The table price of a message when the provider does not report one (SMS_PRICES). */
  priceOf?: (parts: number, lookup: { provider: string; country: string | undefined }) => Price | undefined;
  /** Told the provider ids of each recorded send, so receipts this node held for them are applied. */
  onRecorded?: (sends: readonly { provider: string; refs: readonly string[] }[]) => Promise<void>;
  box: SecretBox;
  clock: Clock;
  logger: DispatcherLogger;
  leaseSeconds: number;
  /**
   * The longest one provider may take with one message before it counts as an outage; at most the lease less
   * RECORD_MARGIN_MS, so an attempt never outlives the claim it runs under (the lease is extended before each).
   */
  attemptTimeoutMs?: number;
  pollMs: number;
  /**
   * Messages in flight at once on this node (claimed and not yet handed to a provider, or failed); as many
   * sent ones again may wait for their record.
   */
  concurrency?: number;
  /**
   * Longest a sent message's record waits for the rest of its claim (SMS_RECORD_WAIT_MS, 2 ms): short beside
   * what a provider takes, well inside RECORD_MARGIN_MS, and an early receipt waits for it rather than held.
   */
  recordWaitMs?: number;
  /** Of those, how many may be notices: the rest is kept for OTPs. */
  noticeSlots?: number;
  retry?: Partial<RetryPolicy>;
  breakerThreshold?: number;
  breakerOpenMs?: number;
  /** Called with each message's outcome (metrics). */
  onOutcome?: (outcome: 'sent' | 'retry' | 'failed' | 'expired', provider: string | undefined) => void;
}

export interface Dispatcher extends OutboxSignal {
  /** Claims and sends one batch (as many as there are free slots); resolves with the number handled. */
  runOnce(): Promise<number>;
  /** Runs batches until none is due (tests and shutdown). */
  drain(): Promise<void>;
  /** The record of a send this node has waiting in a batch, by its provider and a part's id, if any. */
  recordingOf(provider: string, providerRef: string): Promise<boolean> | undefined;
  start(): void;
  /** Stops claiming and waits for the messages in flight. */
  stop(): Promise<void>;
  readonly providers: readonly SmsProvider[];
  breakerState(provider: string): 'closed' | 'open' | 'half-open' | undefined;
}

/** Any error a provider throws is one of ours; anything else is treated as an outage of that provider. */
function asSmsError(caught: unknown): SmsError {
  return caught instanceof SmsError
    ? caught
    : new SmsError('unavailable', caught instanceof Error ? caught.message : String(caught));
}

/**
 * The longest pause between claims while they keep failing (the database is away): long enough not to press
 * on it, short enough that queued OTPs go out soon after it returns. A message queued on this node wakes it
 * sooner.
 */
const MAX_CLAIM_BACKOFF_MS = 10_000;

/** Kept free at the end of a lease for recording the outcome (a database round trip or two). */
const RECORD_MARGIN_MS = 2_000;

/** The records of sends: up to 100 to a statement. */
const RECORD_BATCH = 100;

/** Why a message was not sent, as its row records it. */
type Failure = { code: string; message: string; provider?: string };

const TIMED_OUT = Symbol('timed out');
/** A provider that gave no answer, even after the lease was extended for it: the message is left to its lease. */
const IN_DOUBT = Symbol('in doubt');
/** How long an aborted provider has to say that it gave up (it only has to notice the signal). */
const ABORT_GRACE_MS = 1_000;

/** The work's value (or its error), or TIMED_OUT once `ms` passed first. */
async function settleWithin<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>(
    (resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)),
  );
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** The outcome of a message every provider on its route skipped (open circuits) until it expired. */
const NO_PROVIDER = 'no_provider';

function retryClass(code: SmsErrorCode): keyof RetryPolicy {
  return code === 'rate_limited' ? 'rate_limited' : 'unavailable';
}

/** How far one message got, so a failure is reported as what it means for that message. */
interface SendProgress {
  /** The provider that accepted the message, once one did. */
  acceptedBy: string | undefined;
  /** The send is recorded: what failed came after (releasing held receipts). */
  recorded: boolean;
  /** Its sending is over (its record may still wait in the batch). */
  ended: boolean;
  /** Gives its slot to the next message before its record is written (see recordSent). */
  freeSlot: () => void;
}

function dispatchFailure(progress: SendProgress): string {
  if (progress.recorded) return 'sms dispatch failed after the send was recorded; the message stays sent';
  if (progress.acceptedBy !== undefined) {
    return 'sms dispatch failed before the accepted send was recorded; the message is sent again once its lease runs out';
  }
  return 'sms dispatch failed; the message is tried again once its lease runs out';
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { queue, providers, box, clock, logger } = options;
  const concurrency = options.concurrency ?? 20;
  const noticeSlots = Math.max(
    1,
    Math.min(concurrency - 1, options.noticeSlots ?? Math.floor(concurrency / 2)),
  );
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const smsProviders = providers.filter((provider) => (provider.channel ?? 'sms') === 'sms');
  const route = options.route ?? (() => smsProviders);
  const now = () => clock.now().getTime();
  const leaseMs = options.leaseSeconds * 1000;
  const attemptTimeoutMs = Math.max(
    1,
    Math.min(options.attemptTimeoutMs ?? Infinity, leaseMs - RECORD_MARGIN_MS),
  );
  const breakers = new Map(
    providers.map((provider) => [
      provider.name,
      new CircuitBreaker(options.breakerThreshold ?? 3, options.breakerOpenMs ?? 30_000, now),
    ]),
  );

  /** A second at most: messages skipped together do not all come back in the same instant. */
  function jitterMs(): number {
    return Math.round(Math.random() * 1000);
  }

  /** When the first circuit on the route may admit a send again. */
  function admitsAt(routed: readonly SmsProvider[]): number {
    const times = routed.map((provider) => breakers.get(provider.name)?.admitsAt(attemptTimeoutMs) ?? now());
    return times.length === 0 ? now() : Math.max(now(), Math.min(...times));
  }

  function backoffMs(attempts: number, error: SmsError): number {
    const rule = retry[retryClass(error.code)];
    const exponential = Math.min(rule.maxBackoffMs, rule.baseBackoffMs * 2 ** Math.max(0, attempts - 1));
    // Equal jitter (half fixed, half random): retries from many messages do not arrive at the provider in
    // step, and none comes back sooner than half its backoff.
    const jittered = Math.round(exponential / 2 + Math.random() * (exponential / 2));
    return Math.max(jittered, error.retryAfterMs ?? 0);
  }

  /**
   * Sends recorded in batches: one statement for the sends of a claim (once every message in flight has been
   * sent or has failed, or recordWaitMs after the first); receipts this node held for them are then applied
   * (onRecorded: no statement unless there are some).
   */
  let unsent = 0;
  /** Sent messages whose slot went to the next message before their record was written. */
  let releasedUnrecorded = 0;
  /** The records waiting in the batch, by provider and part id: an early receipt waits for its own. */
  const recordings = new Map<string, Promise<boolean>>();
  const records = createBatcher(
    async (sends: SentRecord[]): Promise<boolean[]> => {
      const recorded = await queue.markSentMany(sends, clock.now());
      const released = sends.filter((send) => recorded.has(send.id));
      if (released.length > 0) {
        await options.onRecorded?.(
          released.map(({ outcome }) => ({ provider: outcome.provider, refs: outcome.partRefs })),
        );
      }
      return sends.map((send) => recorded.has(send.id));
    },
    { maxBatch: RECORD_BATCH, maxWaitMs: options.recordWaitMs ?? 2 },
  );
  /** A message in flight is sent (its record waits in the batch) or ended otherwise: once per message. */
  function sendEnded(progress: SendProgress): void {
    if (progress.ended) return;
    progress.ended = true;
    unsent--;
    if (unsent === 0) records.flush();
  }

  async function recordSent(
    message: ClaimedMessage,
    provider: SmsProvider,
    result: Awaited<ReturnType<SmsProvider['send']>>,
    country: string | undefined,
    progress: SendProgress,
  ): Promise<void> {
    const price = result.price ?? options.priceOf?.(result.parts, { provider: provider.name, country });
    const partRefs = (result.partRefs ?? [result.providerRef]).filter((ref) => ref !== '');
    const recording = records.add({
      id: message.id,
      claimId: message.claimId,
      outcome: {
        provider: provider.name,
        providerRef: result.providerRef,
        partRefs,
        parts: result.parts,
        price: price?.amount ?? null,
        currency: price?.currency ?? null,
      },
    });
    for (const ref of partRefs) {
      const key = `${provider.name}\0${ref}`;
      recordings.set(key, recording);
      void recording.finally(() => recordings.delete(key)).catch(() => undefined);
    }
    sendEnded(progress);
    // The provider has it: its slot takes the next message while the record waits for its batch's statement
    // (under load, behind the API's own statements), or the dispatch would run at the pace of the database's
    // round trips rather than the provider's. At most `concurrency` records wait so: with the messages in
    // flight, a node that dies can leave at most twice that many sent and unrecorded (sent again).
    if (releasedUnrecorded < concurrency) {
      releasedUnrecorded++;
      void recording.finally(() => releasedUnrecorded--).catch(() => undefined);
      progress.freeSlot();
    }
    if (!(await recording)) {
      // Its lease ran out while the provider took its time, and it was claimed again meanwhile.
      logger.warn({ messageId: message.id, provider: provider.name }, 'sent, but no longer ours to record');
    }
  }

  /** A mark that finds the message claimed again since (its lease ran out) writes nothing: the newer claim decides. */
  function superseded(message: ClaimedMessage, applied: boolean, outcome: string): boolean {
    if (!applied) {
      logger.debug(
        { messageId: message.id, attempts: message.attempts, outcome },
        'outcome not recorded: the message was claimed again since',
      );
    }
    return !applied;
  }

  async function fail(message: ClaimedMessage, error: Failure, outcome: 'failed' | 'expired'): Promise<void> {
    const applied = await queue.markFailed(message.id, message.claimId, error, clock.now());
    if (superseded(message, applied, outcome)) return;
    options.onOutcome?.(outcome, error.provider);
  }

  async function retryAt(
    message: ClaimedMessage,
    at: number,
    error: { code: string; message: string },
    attempt: { counted: boolean; pin?: string } = { counted: true },
  ): Promise<void> {
    const applied = await queue.markRetry(
      message.id,
      message.claimId,
      new Date(at),
      error,
      clock.now(),
      attempt,
    );
    if (superseded(message, applied, 'retry')) return;
    options.onOutcome?.('retry', undefined);
  }

  /**
   * Before a failover attempt the claim is extended (with its token), and every attempt is bounded, so one
   * send never outlives its lease: no other claim may start while this one can still record.
   */
  async function stillOurs(message: ClaimedMessage, first: boolean, pin?: string): Promise<boolean> {
    if (first) return true;
    const until = new Date(now() + leaseMs);
    if (!(await queue.extendLease(message.id, message.claimId, until, clock.now(), pin))) {
      return !superseded(message, false, 'failover');
    }
    message.leaseUntil = until;
    return true;
  }

  /**
   * One provider's try, bounded: at attemptTimeoutMs the send is aborted. A provider that had handed nothing
   * over gives up at once, and the next provider may send; one that had (an SMPP submit on the wire) is
   * waited for, the lease extended once for it, so that the message is never failed over blind and sent
   * twice. No answer even then: IN_DOUBT.
   */
  async function attempt(
    provider: SmsProvider,
    message: ClaimedMessage,
    content: Pick<OutgoingSms, 'text' | 'channel' | 'subject' | 'code' | 'locale'>,
  ): Promise<SendResult | typeof IN_DOUBT> {
    const controller = new AbortController();
    const sending = provider.send(
      { id: message.id, to: message.to, kind: message.kind, ...content },
      { signal: controller.signal },
    );
    const answered = await settleWithin(sending, attemptTimeoutMs);
    if (answered !== TIMED_OUT) return answered;
    logger.debug({ messageId: message.id, provider: provider.name }, 'sms attempt timed out: aborted');
    controller.abort();
    const gaveUp = await settleWithin(sending, ABORT_GRACE_MS);
    if (gaveUp !== TIMED_OUT) return gaveUp;
    // Pinned while we wait: should this node die, the next claim stays with this provider too.
    if (!(await stillOurs(message, false, provider.name))) {
      sending.catch(() => undefined);
      return IN_DOUBT;
    }
    const late = await settleWithin(sending, leaseMs - RECORD_MARGIN_MS);
    if (late === TIMED_OUT) sending.catch(() => undefined);
    return late === TIMED_OUT ? IN_DOUBT : late;
  }

  /** Why a claimed message cannot be sent at all (expired, or its text already erased), if it cannot. */
  function unsendable(
    message: ClaimedMessage,
  ): { failure: Failure; status: 'expired' | 'failed' } | undefined {
    if (message.expiresAt !== null && message.expiresAt <= clock.now()) {
      // Waiting for a provider is how it came to expire: say so, as no_provider.
      const failure =
        message.lastErrorCode === NO_PROVIDER
          ? {
              code: NO_PROVIDER,
              message: 'not sent: every provider on its route was skipped until it expired',
            }
          : { code: 'expired', message: 'not sent: expired before it could go out' };
      return { failure, status: 'expired' };
    }
    if (message.bodySealed === null) {
      return { failure: { code: 'no_body', message: 'the text was already erased' }, status: 'failed' };
    }
    return undefined;
  }

  /** A provider's error, told to its breaker and the log; 'final' when no other provider should try. */
  async function providerFailed(
    message: ClaimedMessage,
    provider: SmsProvider,
    error: SmsError,
  ): Promise<'final' | 'retry' | 'next'> {
    const breaker = breakers.get(provider.name);
    if (error.code === 'unconfirmed') {
      // Handed over without an answer: another provider now could make a duplicate, so come back later.
      breaker?.failure();
      logger.warn(
        { messageId: message.id, provider: provider.name },
        'sms provider did not confirm a sent message',
      );
      return 'retry';
    }
    if (error.code === 'rejected') {
      // A refusal of this message (e.g. an invalid number) will not change with another try.
      breaker?.success();
      const failure = {
        code: error.providerCode ?? error.code,
        message: error.message,
        provider: provider.name,
      };
      await fail(message, failure, 'failed');
      return 'final';
    }
    // Bad credentials or sender will not heal by themselves: skip this provider now, try the next.
    if (error.code === 'invalid_config') breaker?.trip();
    else breaker?.failure();
    const { code, providerCode } = error;
    logger.warn(
      { messageId: message.id, provider: provider.name, code, providerCode },
      'sms provider failed',
    );
    return 'next';
  }

  /** No provider on the route took the message: come back later, or give it up. */
  async function routeFailed(
    message: ClaimedMessage,
    routed: readonly SmsProvider[],
    lastError: SmsError | undefined,
    pin: string | undefined,
  ): Promise<void> {
    if (lastError === undefined) {
      // Every provider on its route is skipped for now: not this message's failure, so not an attempt. Come
      // back when the first circuit may admit a send; only the message's expiry gives it up.
      const failure = { code: NO_PROVIDER, message: 'every provider on its route is skipped for now' };
      const at = admitsAt(routed) + jitterMs();
      const expiresAt = message.expiresAt?.getTime() ?? Infinity;
      await retryAt(message, Math.min(at, expiresAt), failure, { counted: false });
      return;
    }
    const failure = { code: lastError.providerCode ?? lastError.code, message: lastError.message };
    if (message.attempts >= retry[retryClass(lastError.code)].maxAttempts) {
      await fail(message, failure, 'failed');
      return;
    }
    await retryAt(message, now() + backoffMs(message.attempts, lastError), failure, { counted: true, pin });
  }

  /**
   * A message an earlier claim left unconfirmed with one provider goes to that provider only, whatever its
   * route says now: another could send it a second time. A provider no longer configured frees it.
   */
  function routeOf(message: ClaimedMessage, country: string | undefined): readonly SmsProvider[] {
    const pinned = providers.find((provider) => provider.name === message.pinnedProvider);
    if (pinned !== undefined) return [pinned];
    if (message.channel === 'sms') return route(message.to, country);
    return providers.filter((provider) => provider.channel === message.channel);
  }

  /** Tries the providers on the message's route in turn, until one takes it or none is left. */
  async function sendOne(message: ClaimedMessage, progress: SendProgress): Promise<void> {
    const refusal = unsendable(message);
    if (refusal !== undefined || message.bodySealed === null) {
      if (refusal !== undefined) await fail(message, refusal.failure, refusal.status);
      return;
    }
    const text = box.open(message.bodySealed);
    const country = message.channel === 'sms' ? countryOf(message.to) : undefined;
    const routed = routeOf(message, country);
    if (routed.length === 0) {
      // No provider carries its channel here: failed at once, so a workflow's next step takes over.
      const failure = { code: NO_PROVIDER, message: `no provider carries the ${message.channel} channel` };
      await fail(message, failure, 'failed');
      return;
    }
    const outgoing = {
      text,
      channel: message.channel,
      ...(message.subject === null ? {} : { subject: message.subject }),
      ...(message.codeSealed === null ? {} : { code: box.open(message.codeSealed) }),
      ...(message.locale === null ? {} : { locale: message.locale }),
    };
    let lastError: SmsError | undefined;
    let pin: string | undefined;
    for (const provider of routed) {
      const breaker = breakers.get(provider.name);
      if (breaker !== undefined && !breaker.tryAcquire()) continue;
      if (!(await stillOurs(message, lastError === undefined))) {
        // Not ours any more: the trial slot goes back untouched, this provider did nothing wrong.
        breaker?.release();
        return;
      }
      let result: SendResult | typeof IN_DOUBT;
      try {
        result = await attempt(provider, message, outgoing);
      } catch (caught) {
        lastError = asSmsError(caught);
        const next = await providerFailed(message, provider, lastError);
        if (next === 'final') return;
        if (next === 'retry') {
          pin = provider.name;
          break;
        }
        continue;
      }
      if (result === IN_DOUBT) {
        breaker?.failure();
        logger.warn(
          { messageId: message.id, provider: provider.name },
          'sms provider gave no answer after the message was handed over: left to its lease, not failed over',
        );
        return;
      }
      breaker?.success();
      progress.acceptedBy = provider.name;
      await recordSent(message, provider, result, country, progress);
      progress.recorded = true;
      options.onOutcome?.('sent', provider.name);
      return;
    }
    await routeFailed(message, routed, lastError, pin);
  }

  let noticesInFlight = 0;

  /** Claims what the free slots allow, OTPs first, notices only into their share. */
  async function claim(free: number): Promise<ClaimedMessage[]> {
    const at = clock.now();
    const leaseUntil = new Date(at.getTime() + options.leaseSeconds * 1000);
    const noticeFree = noticeSlots - noticesInFlight;
    return queue.claimDue(at, leaseUntil, free, Math.max(0, noticeFree));
  }

  /** Sends one claimed message; counted as a notice from the moment it is claimed (before the next claim). */
  function run(message: ClaimedMessage): Promise<void> {
    // A notice counts against the notices' share for as long as it holds its slot.
    let holdsNoticeSlot = message.kind === 'notice';
    if (holdsNoticeSlot) noticesInFlight++;
    const leaveNoticeSlot = () => {
      if (holdsNoticeSlot) noticesInFlight--;
      holdsNoticeSlot = false;
    };
    let freeSlot = () => {};
    const slotFreed = new Promise<void>((resolve) => (freeSlot = resolve)).then(leaveNoticeSlot);
    const progress: SendProgress = { acceptedBy: undefined, recorded: false, ended: false, freeSlot };
    unsent++;
    const whole = sendOne(message, progress)
      .catch((error: unknown) =>
        logger.error(
          { messageId: message.id, provider: progress.acceptedBy, err: error },
          dispatchFailure(progress),
        ),
      )
      .finally(() => {
        sendEnded(progress);
        leaveNoticeSlot();
      });
    settling.set(message, whole);
    void whole.finally(() => settling.delete(message));
    return Promise.race([whole, slotFreed]);
  }

  /** Each message claimed and not yet finished with, its record included (runOnce and stop wait for them). */
  const settling = new Map<ClaimedMessage, Promise<void>>();
  async function runOnce(): Promise<number> {
    const claimed = await loop.runBatch();
    await Promise.all(claimed.map((message) => settling.get(message)));
    return claimed.length;
  }

  const loop = createClaimLoop({
    concurrency,
    pollMs: options.pollMs,
    maxBackoffMs: MAX_CLAIM_BACKOFF_MS,
    claim,
    run,
    claimFailed(error, failures, retryInMs) {
      // The first failure says why; an outage repeats it every few seconds, so the rest go to debug.
      if (failures === 1) {
        logger.warn(
          { err: error, retryInMs },
          'sms dispatcher could not claim messages; backing off until it can',
        );
      } else logger.debug({ failures, retryInMs }, 'sms dispatcher still cannot claim');
    },
    claimsAgain: (failures) => logger.info({ failures }, 'sms dispatcher claims again'),
  });

  return {
    providers,
    runOnce,
    async drain() {
      while ((await runOnce()) > 0);
    },
    messagesQueued: () => loop.wake(),
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      await Promise.all(settling.values());
    },
    recordingOf: (provider, providerRef) => recordings.get(`${provider}\0${providerRef}`),
    breakerState(provider) {
      return breakers.get(provider)?.state;
    },
  };
}
