/**
 * SMPP v3.4 provider: one persistent bind_transceiver per account, submit_sm with a window and a tps cap,
 * delivery receipts from deliver_sm. The config comes in parsed (parseSmppUrl); nothing is read here.
 */
import { randomInt } from 'node:crypto';
import type { PduFields } from 'smpp';
import {
  SmsError,
  type OutgoingSms,
  type SendOptions,
  type SendResult,
  type SmsProvider,
} from '../../provider.js';
import type { SmppConfig } from './config.js';
import { ESME_RINVBNDSTS, ESME_ROK, smsErrorOfStatus } from './errors.js';
import { delay, SubmitWindow, TokenBucket } from './flow.js';
import { stringField } from './pdu-fields.js';
import { ReceiptStream, type ReceiptListener } from './receipt-stream.js';
import type { KnownPart } from './receipts.js';
import { SmppSession, type SmppLogger } from './session.js';
import { planSubmits } from './submit.js';

export { parseSmppUrl, describeSmppAccount, SMPP_DEFAULTS } from './config.js';
export type { SmppConfig, DlrIdFormat, LongTextMode } from './config.js';
export type { SmppLogger } from './session.js';

export interface SmppProviderDeps {
  logger?: SmppLogger;
  /** Instance name recorded on messages and receipts; default "smpp". */
  name?: string;
  /** The clock that stamps a receipt's arrival; the system clock by default. */
  now?: () => Date;
}

type PartOutcome = { ok: true; ref: string } | { ok: false; error: SmsError };

const silentLogger: SmppLogger = { info() {}, warn() {}, error() {}, debug() {} };

function asSmsError(error: unknown): SmsError {
  return error instanceof SmsError
    ? error
    : new SmsError('unavailable', `SMPP send failed: ${String(error)}`, { cause: error });
}

/**
 * Waits for a step before the wire (the bind, a window slot, a token) unless the send is aborted first:
 * nothing is submitted then, so the message may go through another provider. `undo` gives back what the
 * step yields should it come after the abort (a window slot).
 */
function unlessAborted<T>(
  step: Promise<T>,
  signal: AbortSignal | undefined,
  undo?: (value: T) => void,
): Promise<T> {
  if (signal === undefined) return step;
  if (signal.aborted) {
    void step.then(undo, () => undefined);
    return Promise.reject(new SmsError('unavailable', 'SMPP: given up before the submit was written'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      void step.then(undo, () => undefined);
      reject(new SmsError('unavailable', 'SMPP: given up before the submit was written'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    step.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) undo?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function createSmppProvider(config: SmppConfig, deps: SmppProviderDeps = {}): SmsProvider {
  const name = deps.name ?? 'smpp';
  const logger = deps.logger ?? silentLogger;
  const receipts = new ReceiptStream(name, config.dlrId, logger, config.submitTimeoutMs, deps.now);
  const window = new SubmitWindow(config.window);
  const bucket = config.tps > 0 ? new TokenBucket(config.tps) : undefined;
  let concatenationRef = randomInt(256);
  const session = new SmppSession(config, logger, (pdu) => receipts.receive(pdu));
  session.start();

  /**
   * One submit_sm, waiting for the bind, a window slot and a token. A throttled part is retried here, in place,
   * a few times: retrying the whole message would resend the parts the SMSC already accepted.
   */
  async function submitPart(
    fields: PduFields,
    messageId: string,
    onWire: () => void,
    signal: AbortSignal | undefined,
  ): Promise<KnownPart> {
    for (let attempt = 0; ; attempt++) {
      await unlessAborted(session.whenBound(config.bindWaitMs), signal);
      const release = await unlessAborted(window.acquire(), signal, (slot) => slot());
      let error: SmsError;
      try {
        await unlessAborted(delay(bucket?.reserve() ?? 0), signal);
        let accepted: KnownPart | undefined;
        const responded = session.request('submit_sm', fields, config.submitTimeoutMs, (response) => {
          // Remember the id before the next PDU is read: its receipt can follow in the same TCP segment.
          if (response.command_status !== ESME_ROK) return;
          accepted = receipts.remember(stringField(response, 'message_id') ?? '', messageId);
        });
        onWire();
        const response = await responded.catch((failure: unknown) => {
          // On the wire and unanswered (no response in time, or the link dropped): the SMSC may have it.
          const cause = asSmsError(failure);
          throw new SmsError('unconfirmed', `${cause.message} (the submit was sent)`, { cause });
        });
        if (accepted) return accepted;
        error = smsErrorOfStatus(response.command_status, 'submit_sm');
        if (response.command_status === ESME_RINVBNDSTS) session.reconnect('submit_sm refused as not bound');
      } finally {
        release();
      }
      if (error.code !== 'rate_limited' || attempt >= config.throttleRetries) throw error;
      logger.debug({ messageId, attempt, providerCode: error.providerCode }, 'submit_sm throttled; retrying');
      await delay(config.throttleBackoffMs * 2 ** attempt);
    }
  }

  async function send(message: OutgoingSms, options?: SendOptions): Promise<SendResult> {
    const plan = planSubmits(message, config, () => (concatenationRef = (concatenationRef + 1) & 0xff));
    const outcomes: Array<Promise<PartOutcome>> = [];
    const accepted: KnownPart[] = [];
    let failed = false;
    for (const fields of plan.pdus) {
      // Parts go out in order and pipelined; once one has failed, the rest are not worth sending.
      if (failed) break;
      let onWire: () => void = () => {};
      const wired = new Promise<void>((resolve) => (onWire = resolve));
      // Only the first part may be given up: once one is on the wire the message stays here to its end.
      const signal = outcomes.length === 0 ? options?.signal : undefined;
      const outcome = submitPart(fields, message.id, onWire, signal).then(
        (part): PartOutcome => {
          accepted.push(part);
          return { ok: true, ref: part.ref };
        },
        (error: unknown): PartOutcome => {
          failed = true;
          return { ok: false, error: asSmsError(error) };
        },
      );
      outcomes.push(outcome);
      // The next part asks for a window slot and a token only once this one is on the wire.
      await Promise.race([wired, outcome]);
    }
    const results = await Promise.all(outcomes);
    receipts.release(accepted);
    const failure = results.find((result) => !result.ok);
    if (failure && !failure.ok) {
      logger.warn(
        { messageId: message.id, code: failure.error.code, providerCode: failure.error.providerCode },
        'SMPP send failed',
      );
      throw failure.error;
    }
    const partRefs = results.map((result) => (result.ok ? result.ref : ''));
    return { providerRef: partRefs[0] ?? '', partRefs, parts: plan.parts };
  }

  return {
    name,
    kind: 'smpp',
    send,
    // A listener may return a promise: the deliver_sm is answered once it settles, with an error if it rejects.
    onReceipt(listener: ReceiptListener) {
      receipts.onReceipt(listener);
    },
    async close() {
      await session.close();
      receipts.close();
    },
  };
}
