/**
 * Verifications, modelled on Twilio Verify: pending -> approved | canceled | expired | max_attempts_reached.
 * Every limit is enforced inside a transaction that holds the phone's guard row, so concurrent
 * requests queue on it and cannot exceed a limit.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { APP_HASH, renderChannelText, renderOtpText, type TemplateOverrides } from './templates.js';
import {
  codeExpiry,
  destinationFor,
  isPhoneChannel,
  resolveRoute,
  stepDeadline,
  type WorkflowStepInput,
} from './channels.js';
import { generateCode, type CodeHasher } from './codes.js';
import { DomainError, type ErrorCode } from './errors.js';
import { messageToQueue, queueMessage } from './outbox.js';
import { localeForPhone, type CountryLocales } from './locales.js';
import { maskPhone, toE164 } from './phones.js';
import {
  ignoredDomainEvents,
  type Clock,
  type DomainEvents,
  type AdmissionRefusal,
  type CheckedCode,
  type CheckPlan,
  type MessageCosts,
  type NewMessage,
  type NewVerification,
  type OutboxSignal,
  type PhoneRateLimiter,
  type SendWindow,
  type Store,
} from './ports.js';
import type { VerificationPolicy } from './policies.js';
import type { SecretBox } from './secret-box.js';
import type { SecurityEvents } from './security-events.js';
import type { SendGuard } from './send-guard.js';
import type {
  Caller,
  Channel,
  Locale,
  Purpose,
  Verification,
  VerificationRecord,
  VerificationSend,
  WorkflowStep,
} from './types.js';

export interface MessageTexts {
  appName: string;
  webOtpDomain: string | undefined;
  overrides?: TemplateOverrides;
  /** The language of a text whose request names none, by the number's country. */
  countryLocales?: CountryLocales;
}

export interface VerificationDeps {
  store: Store;
  clock: Clock;
  policy: VerificationPolicy;
  codes: CodeHasher;
  box: SecretBox;
  phoneLimiter: PhoneRateLimiter;
  outbox: OutboxSignal;
  texts: MessageTexts;
  /** Parts and price of every queued text. */
  costs: MessageCosts;
  /** Told what happened (metrics); nobody by default. */
  events?: DomainEvents;
  /** Countries, the SMS-pumping guard and the send budgets, consulted by every send of a code. */
  guard: SendGuard;
  securityEvents: SecurityEvents;
}

/** What a start finds when the same key (phone, purpose, tenant, customer, service) has a verification pending. */
export type WhenPending =
  /** a new verification retires it (the native API: one live code) */
  | 'replace'
  /** a new code is sent on it, same id (Twilio Verify) */
  | 'resend'
  /** verification_pending, naming it (Vonage Verify: no concurrent verifications) */
  | 'refuse';

/** How a verification's texts are made, beyond the defaults (the vendor faces' options). */
export interface TextOptions {
  /** The service it belongs to: its friendly name, code length and whether client codes are allowed. */
  serviceId?: string;
  /** The name in the text, over the service's and the app's. */
  brand?: string;
  /** Digits per code, over the service's and the policy's (4 to 10). */
  codeLength?: number;
  /** A code the client chose (digits, 4 to 10): where a service is named, only if it allows them. */
  code?: string;
  /** Android SMS Retriever app hash: the text's last line. */
  appHash?: string;
  /** Texts it may send in all, the first included (a Vonage workflow's steps). */
  maxSends?: number;
}

export interface StartVerificationInput extends TextOptions {
  to: string;
  purpose?: Purpose;
  /** The text's language; by default the number's country's (ar, fa, en...). */
  locale?: Locale;
  customerId?: string | null;
  /** Who asks: the verification is visible to its tenant's clients only. */
  caller: Caller;
  /** ISO alpha-2 country for a number given in national form. */
  country?: string;
  /** 'replace' unless told. */
  whenPending?: WhenPending;
  /** sms unless told; `to` is an email address for email. */
  channel?: Channel;
  /** Channels to fall back through, in order (the first replaces `channel`). */
  workflow?: WorkflowStepInput[];
}

/** What startWithin takes: the phone in E.164 and the options already resolved against the service. */
interface StartWithinInput {
  phone: string;
  purpose: Purpose;
  locale?: Locale;
  customerId: string | null;
  caller: Caller;
  serviceId?: string | null;
  brand?: string | null;
  codeLength?: number | null;
  code?: string;
  appHash?: string | null;
  maxSends?: number | null;
  whenPending?: WhenPending;
  /** sms unless told: `phone` is then this channel's destination (an email address for email). */
  channel?: Channel;
  workflow?: WorkflowStep[] | null;
}

/** What a text with a code is made from: the verification's destination, language and brand. */
type TextedVerification = Pick<
  VerificationRecord,
  'id' | 'to' | 'channel' | 'purpose' | 'locale' | 'brand' | 'appHash' | 'tenant' | 'clientId' | 'expiresAt'
>;

/** Client-chosen codes are checked like the codes a check takes. */
const CHOSEN_CODE = /^\d{4,10}$/;

export interface CheckResult {
  verification: Verification;
  valid: boolean;
}

/** A verification just started (or resent on, `resent`), with the sends that carried its codes. */
export type StartedVerification = VerificationRecord & { sends: VerificationSend[]; resent?: boolean };

/**
 * What approving a verification of some purposes does beyond the status (e.g. switching a customer's number),
 * in the approval's transaction.
 */
export interface ApprovalEffect {
  purposes: readonly Purpose[];
  apply(tx: Store, verification: VerificationRecord, now: Date): Promise<void>;
}

type Refusal = { refused: ErrorCode; retryAfterSeconds?: number };
const secondsBetween = (later: Date, earlier: Date) =>
  Math.max(1, Math.ceil((later.getTime() - earlier.getTime()) / 1000));

/** A pending verification past its expiry reads as expired, whether or not that was written yet. */
function effectiveStatus(v: VerificationRecord, now: Date): Verification['status'] {
  return v.status === 'pending' && v.expiresAt <= now ? 'expired' : v.status;
}

const REFUSAL_BY_STATUS: Record<Exclude<Verification['status'], 'pending'>, ErrorCode> = {
  approved: 'verification_approved',
  canceled: 'verification_canceled',
  expired: 'verification_expired',
  max_attempts_reached: 'max_attempts_reached',
};

export function createVerifications(deps: VerificationDeps, onApproved: ApprovalEffect) {
  const { store, clock, policy, codes } = deps;
  const events = deps.events ?? ignoredDomainEvents;

  /** The public view; `sends` when the caller already knows them (a verification just started). */
  async function view(
    tx: Store,
    v: VerificationRecord,
    now: Date,
    sends?: VerificationSend[],
  ): Promise<Verification> {
    const { codeHash: _secret, resent: _resent, ...rest } = v as StartedVerification;
    return {
      ...rest,
      status: effectiveStatus(v, now),
      sends: sends ?? (await tx.verifications.listSends(v.id)),
    };
  }

  function throwRefusal(refusal: Refusal): never {
    throw new DomainError(refusal.refused, { retryAfterSeconds: refusal.retryAfterSeconds });
  }

  /**
   * Moves a pending verification to `status` and records the change for the clients' webhooks, in the same
   * transaction; false (nothing recorded) when it was no longer pending.
   */
  async function finish(
    tx: Store,
    id: string,
    status: Exclude<Verification['status'], 'pending'>,
    now: Date,
  ): Promise<boolean> {
    const moved = await tx.verifications.finish(id, status, now);
    if (moved) await tx.statusChanges.verificationsChanged([id], now);
    return moved;
  }

  /**
   * Rate limiting (NIST 800-63B 5.2.2): a tenant's OTP messages per destination in a sliding window, whichever
   * face queued them, in total and per channel (issue 15); test numbers cost nothing. Per tenant, so that one
   * tenant filling the window does not silence a number for the others. The store counts it under the phone's
   * guards (otp_admit), so concurrent sends cannot both take the window's last place.
   */
  function windowFor(phone: string, channel: Channel, now: Date): SendWindow | null {
    if (policy.testNumbers.has(phone)) return null;
    return {
      since: new Date(now.getTime() - policy.sendWindowSeconds * 1000),
      max: policy.maxSendsPerPhone,
      channel,
      channelMax: policy.maxSendsPerChannel?.[channel] ?? null,
    };
  }

  /** What a refused admission answers: when the lock-out ends, or when the window's oldest send leaves it. */
  function admissionRefusal(refusal: AdmissionRefusal, now: Date): Refusal {
    if (refusal.refused === 'phone_locked') {
      return { refused: 'phone_locked', retryAfterSeconds: secondsBetween(refusal.until, now) };
    }
    // Told at once: a refusal writes nothing, so there is no commit to wait for.
    events.sendWindowFull();
    const frees = new Date((refusal.oldest ?? now).getTime() + policy.sendWindowSeconds * 1000);
    return { refused: 'too_many_sends', retryAfterSeconds: secondsBetween(frees, now) };
  }

  /**
   * Every text with a code passes here or through otp_start, which does the same: the phone's guards locked,
   * refused while locked or the window is full. The country was permitted before (nothing is written for a
   * number outside them). The send guard comes after the writes: `countSend`.
   */
  async function admitSend(
    tx: Store,
    phone: string,
    caller: Caller,
    now: Date,
    channel: Channel = 'sms',
  ): Promise<void> {
    const refusal = await tx.phoneGuards.admit(phone, caller.tenant, now, windowFor(phone, channel, now));
    if (refusal !== undefined) throwRefusal(admissionRefusal(refusal, now));
  }

  /**
   * The send guard (its range blocked, a budget spent). In a transaction, as the send's last statement: its
   * counts are rows every send of the tenant updates (the day's budget, a range's minute), locked until the
   * commit, so they are taken when nothing is left to do but commit; a refusal rolls the whole send back.
   * `alone` (no transaction): counted in a statement of its own, which holds those rows only while it runs;
   * the answer takes the count back, for a send then refused. Test numbers cost nothing, and so does an
   * email: the guard and the budgets count phone channels (no premium rate).
   */
  async function countSend(
    tx: Store,
    phone: string,
    caller: Caller,
    now: Date,
    channel: Channel = 'sms',
    alone = false,
  ): Promise<() => Promise<void>> {
    if (!isPhoneChannel(channel) || policy.testNumbers.has(phone)) return async () => {};
    return deps.guard.admit(tx, phone, caller, now, { alone });
  }

  /** The send guard's prefixes a send counts (countSend's condition), which its approval converts. */
  function countedPrefixes(phone: string, channel: Channel): string[] | null {
    return isPhoneChannel(channel) && !policy.testNumbers.has(phone) ? deps.guard.prefixesOf(phone) : null;
  }

  /** The countries the caller may text, and the ranges this node knows blocked: before anything is written. */
  function screen(phone: string, caller: Caller, now: Date, channel: Channel = 'sms'): void {
    if (isPhoneChannel(channel) && !policy.testNumbers.has(phone)) deps.guard.screen(phone, caller, now);
  }

  /** The text that carries a code; none for a test number (nothing is sent, the send is recorded as test). */
  function messageFor(v: TextedVerification, code: string, now: Date): NewMessage | null {
    const channel = v.channel;
    if (isPhoneChannel(channel) && policy.testNumbers.has(v.to)) return null;
    const template = {
      purpose: v.purpose,
      locale: v.locale,
      code,
      appName: v.brand ?? deps.texts.appName,
      minutes: Math.round(policy.ttlSeconds / 60),
      webOtpDomain: deps.texts.webOtpDomain,
      appHash: v.appHash ?? undefined,
      tenant: v.tenant,
    };
    const { text, subject } =
      channel === 'sms'
        ? { text: renderOtpText(template, deps.texts.overrides), subject: undefined }
        : renderChannelText(channel, template, deps.texts.overrides);
    return messageToQueue(deps, {
      kind: 'otp',
      to: v.to,
      text,
      secret: code,
      channel,
      subject,
      sealCode: channel === 'whatsapp',
      locale: v.locale,
      expiresAt: v.expiresAt,
      verificationId: v.id,
      clientId: v.clientId,
      tenant: v.tenant,
      now,
    });
  }

  async function sendCode(
    tx: Store,
    v: TextedVerification,
    code: string,
    now: Date,
  ): Promise<VerificationSend> {
    const message = messageFor(v, code, now);
    if (message !== null) await tx.messages.enqueue(message);
    const send: VerificationSend = {
      messageId: message?.id ?? null,
      channel: message === null ? 'test' : v.channel,
      at: now,
    };
    await tx.verifications.recordSend({ verificationId: v.id, phone: v.to, ...send });
    return send;
  }

  /** A test number's fixed code, else a fresh one of the verification's length. */
  const newCode = (phone: string, length: number | null) =>
    policy.testNumbers.get(phone) ?? generateCode(length ?? policy.codeLength);

  /**
   * A new code on a pending verification, under the phone's guards: its key, checks and id stay; its expiry
   * starts again. `chosen`: the client's own code (a Twilio create with CustomCode).
   */
  async function resendWithin(
    tx: Store,
    v: VerificationRecord,
    now: Date,
    chosen?: string,
  ): Promise<StartedVerification> {
    const status = effectiveStatus(v, now);
    if (status !== 'pending') throwRefusal({ refused: REFUSAL_BY_STATUS[status] });
    const before = await tx.verifications.listSends(v.id);
    if (v.maxSends !== null && before.length >= v.maxSends) throw new DomainError('no_more_sends');
    // The country was permitted when it started; the client's own list is not at hand here.
    await admitSend(tx, v.to, { clientId: v.clientId, tenant: v.tenant }, now, v.channel);
    const code = chosen ?? newCode(v.to, v.codeLength);
    const expiresAt = codeExpiry(policy.ttlSeconds, v.stepDeadline, now);
    // The guard lock serializes this with checks and cancels; replaceCode re-tests pending anyway.
    if (!(await tx.verifications.replaceCode(v.id, codes.hash(v.id, code), expiresAt, now))) {
      throwRefusal(await checkRefusal(tx, v.id, now));
    }
    await tx.messages.retireQueuedOtps([v.id], now);
    const updated = { ...v, expiresAt, updatedAt: now };
    const send = await sendCode(tx, updated, code, now);
    await countSend(tx, v.to, { clientId: v.clientId, tenant: v.tenant }, now, v.channel);
    return { ...updated, sends: [...before, send], resent: true };
  }

  /**
   * Starts a verification: one statement (otp_start), inside the caller's transaction when there is one
   * (registration and phone change start one together with their own writes). The phone must already be in
   * E.164. With `whenPending` resend, a pending verification of the same key gets a new code instead (this
   * needs a transaction); with refuse, it is named in the refusal. `counted`: the send guard counted it already.
   */
  async function startWithin(
    tx: Store,
    input: StartWithinInput,
    now: Date,
    counted = false,
  ): Promise<StartedVerification> {
    const channel = input.channel ?? 'sms';
    screen(input.phone, input.caller, now, channel);
    const id = randomUUID();
    const codeLength = input.codeLength ?? null;
    const code = input.code ?? newCode(input.phone, codeLength);
    const workflow = input.workflow ?? null;
    const deadline = stepDeadline(workflow, 0, now);
    const verification: NewVerification = {
      id,
      phone: input.phone,
      purpose: input.purpose,
      locale: input.locale ?? localeForPhone(input.phone, deps.texts.countryLocales ?? new Map()),
      customerId: input.customerId,
      clientId: input.caller.clientId,
      tenant: input.caller.tenant,
      codeHash: codes.hash(id, code),
      maxChecks: policy.maxChecks,
      expiresAt: codeExpiry(policy.ttlSeconds, deadline, now),
      serviceId: input.serviceId ?? null,
      brand: input.brand ?? null,
      codeLength,
      appHash: input.appHash ?? null,
      maxSends: input.maxSends ?? null,
      channel,
      workflow,
      stepDeadline: deadline,
      countedPrefixes: countedPrefixes(input.phone, channel),
      now,
    };
    const message = messageFor({ ...verification, to: input.phone, channel }, code, now);
    const sendChannel = message === null ? 'test' : channel;
    const whenPending = input.whenPending ?? 'replace';
    // One live code per key (phone, purpose, tenant, customer, service): a new verification retires the
    // older ones, and their texts still in the queue (a dead code is never sent). Another customer's stays.
    const outcome = await tx.verifications.start({
      verification,
      message,
      sendChannel,
      window: windowFor(input.phone, channel, now),
      whenPending,
    });
    if ('refused' in outcome) throwRefusal(admissionRefusal(outcome, now));
    if ('pendingId' in outcome) {
      if (whenPending === 'refuse')
        throw new DomainError('verification_pending', { resourceId: outcome.pendingId });
      return resendWithin(tx, await findVisible(tx, outcome.pendingId, input.caller.tenant), now, input.code);
    }
    if (!counted) await countSend(tx, input.phone, input.caller, now, channel);
    return {
      ...outcome.verification,
      sends: [{ messageId: message?.id ?? null, channel: sendChannel, at: now }],
    };
  }

  /**
   * A start on its own (no caller's transaction, no resend): two statements. The send guard counts first, in a
   * statement of its own, so that its rows (every send of the tenant updates them) are never held locked while
   * this node is busy with other requests; the count is taken back if the start is then refused.
   */
  async function startAlone(input: StartWithinInput, now: Date): Promise<StartedVerification> {
    const channel = input.channel ?? 'sms';
    screen(input.phone, input.caller, now, channel);
    const uncount = await countSend(store, input.phone, input.caller, now, channel, true);
    try {
      return await startWithin(store, input, now, true);
    } catch (error) {
      // The refusal is the answer; a count the database would not take back only refuses sooner.
      await uncount().catch(() => undefined);
      throw error;
    }
  }

  /** The start's options resolved against its service (another tenant's answers like a missing one). */
  async function resolveTextOptions(input: StartVerificationInput): Promise<TextOptions> {
    const problems: { field: string; problem: string }[] = [];
    if (input.codeLength !== undefined && !(input.codeLength >= 4 && input.codeLength <= 10)) {
      problems.push({ field: '/codeLength', problem: 'must be 4 to 10' });
    }
    if (input.code !== undefined && !CHOSEN_CODE.test(input.code)) {
      problems.push({ field: '/code', problem: 'must be 4 to 10 digits' });
    }
    if (input.appHash !== undefined && !APP_HASH.test(input.appHash)) {
      problems.push({ field: '/appHash', problem: 'must be 11 characters of A-Z a-z 0-9 + /' });
    }
    if (problems.length > 0) throw new DomainError('invalid_request', { details: problems });
    if (input.serviceId === undefined) return input;
    const service = await store.services.find(input.caller.tenant, input.serviceId);
    if (service === undefined) throw new DomainError('service_not_found');
    if (input.code !== undefined && !service.customCodeEnabled)
      throw new DomainError('custom_code_not_allowed');
    return {
      ...input,
      brand: input.brand ?? service.friendlyName,
      codeLength: input.codeLength ?? service.codeLength ?? undefined,
    };
  }

  /** Another tenant's verification answers exactly like one that does not exist. */
  async function findVisible(tx: Store, id: string, tenant: string) {
    const v = await tx.verifications.findById(id);
    if (v === undefined || v.tenant !== tenant) throw new DomainError('verification_not_found');
    return v;
  }

  /** Why no check could be taken; writes the terminal status a pending row has in fact reached. */
  async function checkRefusal(tx: Store, id: string, now: Date): Promise<Refusal> {
    const v = await tx.verifications.findById(id);
    if (v === undefined) return { refused: 'verification_not_found' };
    if (v.status !== 'pending') return { refused: REFUSAL_BY_STATUS[v.status] };
    if (v.expiresAt <= now) {
      await finish(tx, id, 'expired', now);
      return { refused: 'verification_expired' };
    }
    await finish(tx, id, 'max_attempts_reached', now);
    return { refused: 'max_attempts_reached' };
  }

  /** A wrong code, and the lock-out it may have caused, as security events in the check's transaction. */
  async function recordFailureEvents(tx: Store, v: VerificationRecord, lockedOut: boolean): Promise<void> {
    const who = { tenant: v.tenant, clientId: v.clientId, ip: null, subject: maskPhone(v.to) };
    await deps.securityEvents.within(tx, {
      type: 'check_failed',
      ...who,
      summary: `wrong code for ${maskPhone(v.to)} (check ${v.checks} of ${v.maxChecks})`,
      figures: { verificationId: v.id, checks: v.checks, maxChecks: v.maxChecks },
    });
    if (!lockedOut) return;
    await deps.securityEvents.within(tx, {
      type: 'phone_locked_out',
      ...who,
      summary: `${maskPhone(v.to)} locked out: too many wrong codes`,
      figures: {
        maxFailedChecks: policy.maxFailedChecksPerPhone,
        lockoutSeconds: policy.phoneLockoutSeconds,
      },
    });
  }

  /**
   * One workflow step gives way to the next: a new code by the next channel, the older one retired, the
   * checks made kept (NIST 800-63B 5.2.2). The next destination's guard is held and the step read again under
   * it, so of the nodes that sweep at once one moves it; false when it had already moved or finished. A next
   * step that may not send (its window full, its number locked or refused) ends the workflow where it is;
   * asked for by the client (`asked`), the refusal is the client's answer instead.
   */
  async function advanceStep(id: string, fromStep: number, now: Date, asked = false): Promise<boolean> {
    const found = await store.verifications.findById(id);
    const next = found?.workflow?.[fromStep + 1];
    if (found === undefined || next === undefined) return false;
    const caller = { clientId: found.clientId, tenant: found.tenant };
    try {
      return await store.transaction(async (tx) => {
        await tx.phoneGuards.lock(next.to, found.tenant, now);
        const v = await tx.verifications.findById(id);
        if (v === undefined || v.status !== 'pending' || v.step !== fromStep) return false;
        await admitSend(tx, next.to, caller, now, next.channel);
        const code = newCode(next.to, v.codeLength);
        const deadline = stepDeadline(v.workflow, fromStep + 1, now);
        const expiresAt = codeExpiry(policy.ttlSeconds, deadline, now);
        const moved = { channel: next.channel, to: next.to, expiresAt, stepDeadline: deadline };
        if (
          !(await tx.verifications.advanceStep(
            id,
            fromStep,
            {
              ...moved,
              codeHash: codes.hash(id, code),
              countedPrefixes: countedPrefixes(next.to, next.channel),
            },
            now,
          ))
        )
          return false;
        await tx.messages.retireQueuedOtps([id], now);
        await sendCode(tx, { ...v, ...moved }, code, now);
        await countSend(tx, next.to, caller, now, next.channel);
        return true;
      });
    } catch (error) {
      if (asked || !(error instanceof DomainError)) throw error;
      await store.verifications.endWorkflow(id, now);
      return false;
    }
  }

  return {
    startWithin,

    /**
     * Moves workflows on (a sweep every node runs, like the expiry sweep): each pending verification whose
     * step timed out, or whose last message failed or went undelivered, sends a new code by its next channel.
     * Answers how many moved.
     */
    async advanceWorkflows(limit = 100): Promise<number> {
      const now = clock.now();
      let moved = 0;
      for (const due of await store.verifications.dueSteps(now, limit)) {
        if (await advanceStep(due.id, due.step, now)) moved += 1;
      }
      if (moved > 0) deps.outbox.messagesQueued();
      return moved;
    },

    /** After the commit of a startWithin: wakes the dispatcher for its text and counts the start. */
    announceStarted(started: Pick<Verification, 'purpose'>): void {
      deps.outbox.messagesQueued();
      events.verificationStarted(started.purpose);
    },

    /**
     * Queues an OTP text whose code the client chose (an SMS-gateway face): the same per-phone
     * lock, lock-out and send window as a verification's code.
     */
    async sendClientOtp(input: { to: string; country?: string; text: string; code: string; caller: Caller }) {
      const phone = toE164(input.to, { country: input.country, field: '/to' });
      const now = clock.now();
      screen(phone, input.caller, now);
      await deps.phoneLimiter.consume(phone);
      const { tenant } = input.caller;
      const messageId = await store.transaction(async (tx) => {
        await admitSend(tx, phone, input.caller, now);
        const queued = await queueMessage(tx, deps, {
          kind: 'otp',
          to: phone,
          text: input.text,
          secret: input.code,
          expiresAt: new Date(now.getTime() + policy.ttlSeconds * 1000),
          verificationId: null,
          clientId: input.caller.clientId,
          tenant,
          now,
        });
        await countSend(tx, phone, input.caller, now);
        return queued;
      });
      deps.outbox.messagesQueued();
      const message = await store.messages.findById(messageId);
      if (message === undefined) throw new DomainError('message_not_found');
      return message;
    },

    /** The view of a verification read inside the caller's transaction. */
    async viewWithin(tx: Store, record: StartedVerification): Promise<Verification> {
      return view(tx, record, clock.now(), record.sends);
    },

    /**
     * Sends a code: a new verification, or (whenPending resend) a new code on the pending one of the same
     * key, which keeps its id. `resent` tells which.
     */
    async start(input: StartVerificationInput): Promise<Verification & { resent: boolean }> {
      const route = resolveRoute(input);
      const phone = route.to;
      const options = await resolveTextOptions(input);
      if (
        input.customerId &&
        (await store.customers.findById(input.caller.tenant, input.customerId)) === undefined
      ) {
        throw new DomainError('customer_not_found');
      }
      const now = clock.now();
      // Every phone step is screened before anything is written: a later step's country too.
      for (const step of route.workflow ?? [route]) screen(step.to, input.caller, now, step.channel);
      await deps.phoneLimiter.consume(phone);
      const within: StartWithinInput = {
        ...options,
        phone,
        purpose: input.purpose ?? 'generic',
        locale: input.locale,
        customerId: input.customerId ?? null,
        caller: input.caller,
        whenPending: input.whenPending,
        channel: route.channel,
        workflow: route.workflow,
      };
      // A resend of a pending one is several statements: a transaction. Otherwise one statement, and the guard's.
      const record =
        input.whenPending === 'resend'
          ? await store.transaction((tx) => startWithin(tx, within, now))
          : await startAlone(within, now);
      const result = { ...(await view(store, record, now, record.sends)), resent: record.resent === true };
      deps.outbox.messagesQueued();
      if (!result.resent) events.verificationStarted(result.purpose);
      return result;
    },

    /**
     * The verification of a phone still pending for a service (or none): how Twilio names one by its `To`.
     * Purpose generic and no customer, as the vendor faces start them.
     */
    async pendingFor(input: { to: string; serviceId: string | null; caller: Caller }): Promise<Verification> {
      // An address names an email verification; anything else is a phone.
      const phone = destinationFor(input.to.includes('@') ? 'email' : 'sms', input.to, { field: '/to' });
      const now = clock.now();
      const found = await store.verifications.findPending(
        {
          phone,
          purpose: 'generic',
          tenant: input.caller.tenant,
          customerId: null,
          serviceId: input.serviceId,
        },
        now,
      );
      if (found === undefined) throw new DomainError('verification_not_found');
      return view(store, found, now);
    },

    async get(id: string, tenant: string): Promise<Verification> {
      const v = await findVisible(store, id, tenant);
      return view(store, v, clock.now());
    },

    /**
     * The next step now (Vonage's next_workflow): a workflow's next channel sends a new code; without a
     * workflow, a new code by the same channel (resend). no_more_sends past the last step.
     */
    async nextStep(id: string, tenant: string): Promise<Verification> {
      const v = await findVisible(store, id, tenant);
      if (v.workflow === null) return this.resend(id, tenant);
      const now = clock.now();
      const status = effectiveStatus(v, now);
      if (status !== 'pending') throwRefusal({ refused: REFUSAL_BY_STATUS[status] });
      if (v.workflow[v.step + 1] === undefined) throw new DomainError('no_more_sends');
      await deps.phoneLimiter.consume(v.workflow[v.step + 1]?.to ?? v.to);
      const moved = await advanceStep(id, v.step, now, true);
      const after = await findVisible(store, id, tenant);
      // Not moved: finished meanwhile (say how), or moved by the sweep at the same moment (that is the answer).
      const finished = effectiveStatus(after, now);
      if (!moved && finished !== 'pending') throwRefusal({ refused: REFUSAL_BY_STATUS[finished] });
      deps.outbox.messagesQueued();
      return view(store, after, now);
    },

    /** A new code to the same phone; the checks already made still count. */
    async resend(id: string, tenant: string): Promise<Verification> {
      const existing = await findVisible(store, id, tenant);
      await deps.phoneLimiter.consume(existing.to);
      const now = clock.now();
      const result = await store.transaction(async (tx) => {
        // Read again under the phone's guards: a check or cancel that won meanwhile is seen.
        await tx.phoneGuards.lock(existing.to, tenant, now);
        const resent = await resendWithin(tx, await findVisible(tx, id, tenant), now);
        return view(tx, resent, now, resent.sends);
      });
      deps.outbox.messagesQueued();
      return result;
    },

    /**
     * One statement (otp_check) unless the approval has an effect (a sign-up, a phone change): then the same
     * statement and the effect in one transaction. A wrong code's security events follow it.
     */
    async check(id: string, code: string, tenant: string): Promise<CheckResult> {
      if (!/^\d{4,10}$/.test(code)) {
        throw new DomainError('invalid_code', {
          details: [{ field: '/code', problem: 'must be 4 to 10 digits' }],
        });
      }
      const now = clock.now();
      const plan: CheckPlan = {
        id,
        tenant,
        candidate: codes.hash(id, code),
        salt: randomBytes(16).toString('base64'),
        limits: {
          maxFailedChecksPerPhone: policy.maxFailedChecksPerPhone,
          phoneLockoutSeconds: policy.phoneLockoutSeconds,
          maxFailedChecksPerPhoneAllTenants: policy.maxFailedChecksPerPhoneAllTenants,
          allTenantsWindowSeconds: policy.allTenantsWindowSeconds,
        },
        effectPurposes: onApproved.purposes,
        refusalByStatus: REFUSAL_BY_STATUS,
        now,
      };
      const checkWithin = async (tx: Store, checked: CheckedCode): Promise<CheckedCode> => {
        if ('valid' in checked && checked.valid) await onApproved.apply(tx, checked.verification, now);
        if ('valid' in checked && !checked.valid)
          await recordFailureEvents(tx, checked.verification, checked.lockedOut);
        return checked;
      };
      let checked = await store.verifications.check(plan);
      if ('needsTransaction' in checked) {
        checked = await store.transaction(async (tx) =>
          checkWithin(tx, await tx.verifications.check({ ...plan, effectPurposes: [] })),
        );
      } else {
        await checkWithin(store, checked);
      }
      if ('refused' in checked) {
        events.verificationChecked('refused');
        if (checked.refused === 'verification_not_found') throw new DomainError('verification_not_found');
        throwRefusal({
          refused: checked.refused as ErrorCode,
          retryAfterSeconds: checked.until === undefined ? undefined : secondsBetween(checked.until, now),
        });
      }
      if ('needsTransaction' in checked) throw new Error('a check in a transaction asked for one');
      events.verificationChecked(checked.valid ? 'approved' : 'wrong_code');
      if (checked.lockedOut) events.phoneLockedOut();
      return {
        verification: await view(store, checked.verification, now, checked.sends),
        valid: checked.valid,
      };
    },

    /**
     * A check where only the right code will do (confirm steps): a wrong one is refused with
     * code_incorrect and the attempts left, the last wrong one with max_attempts_reached.
     */
    async confirm(id: string, code: string, tenant: string): Promise<Verification> {
      const { valid, verification } = await this.check(id, code, tenant);
      if (valid) return verification;
      if (verification.status === 'max_attempts_reached') throw new DomainError('max_attempts_reached');
      throw new DomainError('code_incorrect', {
        details: [
          { field: '/code', problem: `${verification.maxChecks - verification.checks} attempts left` },
        ],
      });
    },

    /**
     * Writes `expired` on pending verifications past their expiry, so that the change is told (a check
     * reads them as expired anyway); a batch per call, run by a timer. Answers how many were expired.
     */
    async expireOverdue(limit = 500): Promise<number> {
      const now = clock.now();
      return store.transaction(async (tx) => {
        const expired = await tx.verifications.expireOverdue(now, limit);
        await tx.statusChanges.verificationsChanged(expired, now);
        return expired.length;
      });
    },

    async cancel(id: string, tenant: string): Promise<Verification> {
      const now = clock.now();
      return store.transaction(async (tx) => {
        const v = await findVisible(tx, id, tenant);
        const status = effectiveStatus(v, now);
        if (status !== 'pending') throwRefusal({ refused: REFUSAL_BY_STATUS[status] });
        // A check that approved meanwhile wins: answer what really happened.
        if (!(await finish(tx, id, 'canceled', now))) throwRefusal(await checkRefusal(tx, id, now));
        await tx.messages.retireQueuedOtps([id], now);
        return view(tx, { ...v, status: 'canceled' }, now);
      });
    },

    /**
     * Approves a pending verification without a code: the client vouches for the phone by other means
     * (Twilio's Status=approved). Generic ones only: a sign-up or phone change needs its code.
     */
    async approve(id: string, tenant: string): Promise<Verification> {
      const now = clock.now();
      return store.transaction(async (tx) => {
        const v = await findVisible(tx, id, tenant);
        const status = effectiveStatus(v, now);
        if (status !== 'pending') throwRefusal({ refused: REFUSAL_BY_STATUS[status] });
        if (v.purpose !== 'generic') throw new DomainError('forbidden');
        if (!(await tx.verifications.finish(id, 'approved', now)))
          throwRefusal(await checkRefusal(tx, id, now));
        await tx.messages.retireQueuedOtps([id], now);
        const approved = { ...v, status: 'approved' as const, approvedAt: now, updatedAt: now };
        await onApproved.apply(tx, approved, now);
        return view(tx, approved, now);
      });
    },
  };
}

export type Verifications = ReturnType<typeof createVerifications>;
