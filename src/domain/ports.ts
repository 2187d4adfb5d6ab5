/**
 * What the domain needs from the outside world, as interfaces: storage (implemented in store/),
 * time, rate limits and the outbox wake-up. The domain imports nothing from HTTP, SQL or a provider.
 */
import type {
  ApiClient,
  Channel,
  Country,
  Customer,
  CustomerRecord,
  Emirate,
  Locale,
  MessageKind,
  Purpose,
  SendChannel,
  SmsMessage,
  VerificationRecord,
  VerificationSend,
  VerificationStatus,
  VerifyService,
  WorkflowStep,
} from './types.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface NewCustomer {
  id: string;
  ownerClientId: string | null;
  tenant: string;
  nameEn: string;
  nameAr: string | null;
  email: string;
  phone: string;
  passwordHash: string;
  notes: string | null;
  active: boolean;
  emirateId: number | null;
  mobileCountryId: number | null;
  /** Whether the phone is known to be the customer's (an import may say so); false by default. */
  phoneVerified?: boolean;
  now: Date;
}

export type CustomerPatch = Partial<
  Pick<
    CustomerRecord,
    | 'nameEn'
    | 'nameAr'
    | 'email'
    | 'phone'
    | 'passwordHash'
    | 'notes'
    | 'active'
    | 'emirateId'
    | 'mobileCountryId'
    | 'phoneVerified'
    | 'pendingPhone'
    | 'pendingVerificationId'
  >
>;

/** A password budget: wrong passwords since the last success or lock, and the locks since the last success. */
export interface PasswordBudget {
  failures: number;
  locks: number;
  lockedUntil: Date | null;
}

/** Budgets by subject: a customer, or an identity nobody has (so both lock alike). */
export interface PasswordBudgetStore {
  /** Creates the subject's budget if needed and locks it for the transaction: guesses at it queue here. */
  lock(subject: string, now: Date): Promise<PasswordBudget>;
  save(subject: string, budget: PasswordBudget, now: Date): Promise<void>;
}

/**
 * Every look-up and change is within one tenant: another tenant's customer is not found.
 * Unique violations surface as DomainError email_taken / phone_taken; bad foreign keys as invalid_reference.
 */
export interface CustomerStore {
  insert(customer: NewCustomer): Promise<CustomerRecord>;
  /** Inserts them in one statement, all or none (an import's batch), in their order. */
  insertMany(customers: readonly NewCustomer[]): Promise<void>;
  /** Of these emails (any case) and E.164 phones, those a customer of the tenant has already (lower-cased emails). */
  findTaken(
    tenant: string,
    emails: readonly string[],
    phones: readonly string[],
  ): Promise<{ emails: string[]; phones: string[] }>;
  findById(tenant: string, id: string): Promise<CustomerRecord | undefined>;
  findByNumber(tenant: string, number: number): Promise<CustomerRecord | undefined>;
  findByPhone(tenant: string, phone: string): Promise<CustomerRecord | undefined>;
  findByEmail(tenant: string, email: string): Promise<CustomerRecord | undefined>;
  update(tenant: string, id: string, patch: CustomerPatch, now: Date): Promise<CustomerRecord | undefined>;
  /**
   * Switches to the number a phone change verified, only while that change is still the pending one
   * (a newer request wins); answers the number it replaced, or undefined when nothing was switched.
   */
  switchPhone(
    id: string,
    verificationId: string,
    phone: { e164: string; countryId: number | null },
    now: Date,
  ): Promise<string | undefined>;
  /** A tenant's customers in registration order, after the given number. */
  list(tenant: string, afterNumber: number, limit: number): Promise<CustomerRecord[]>;
}

export interface NewVerification {
  id: string;
  phone: string;
  purpose: Purpose;
  locale: Locale;
  customerId: string | null;
  clientId: string | null;
  tenant: string;
  codeHash: string;
  maxChecks: number;
  expiresAt: Date;
  serviceId: string | null;
  brand: string | null;
  codeLength: number | null;
  appHash: string | null;
  maxSends: number | null;
  /** The first step's channel; sms when not told. */
  channel?: Channel;
  workflow?: WorkflowStep[] | null;
  stepDeadline?: Date | null;
  /** The send guard's prefixes its send counted (its approval converts them); none when it counted none. */
  countedPrefixes?: string[] | null;
  now: Date;
}

/** The next step of a workflow: where and by which channel its new code goes, and until when it waits. */
export interface NextStep {
  channel: Channel;
  to: string;
  codeHash: string;
  expiresAt: Date;
  /** null: the last step. */
  stepDeadline: Date | null;
  /** The send guard's prefixes the next step's send counts. */
  countedPrefixes: string[] | null;
}

/** What makes verifications of one phone the same one: a new one retires the pending ones of its key. */
export interface PendingKey {
  phone: string;
  purpose: Purpose;
  tenant: string;
  customerId: string | null;
  serviceId: string | null;
}

/** The send window a code is admitted under: at most `max` codes since `since`, and `channelMax` by its channel. */
export interface SendWindow {
  since: Date;
  max: number;
  channel: Channel;
  /** null: the channel has no limit of its own. */
  channelMax: number | null;
}

/** A send refused under the phone's guards: locked out, or its window full (the oldest send in it named). */
export type AdmissionRefusal =
  { refused: 'phone_locked'; until: Date } | { refused: 'too_many_sends'; oldest: Date | null };

/** What a start does when the same key has a verification pending (verifications.ts tells the faces apart). */
export type WhenPending = 'replace' | 'resend' | 'refuse';

/** Everything a start writes, decided by the domain; the store applies it atomically under the phone's guards. */
export interface StartPlan {
  verification: NewVerification;
  /** Its text; null for a test number (nothing is sent). */
  message: NewMessage | null;
  sendChannel: SendChannel;
  /** null: no window (a test number). */
  window: SendWindow | null;
  whenPending: WhenPending;
}

/**
 * A start as the store left it: refused (nothing but the guards written), the pending verification of its key
 * named (whenPending resend or refuse: nothing written), or written, with the verifications it retired.
 */
export type StartOutcome =
  AdmissionRefusal | { pendingId: string } | { verification: VerificationRecord; retired: string[] };

/** A check of a code, decided by the domain, applied by the store in one statement (otp_check). */
export interface CheckPlan {
  id: string;
  tenant: string;
  /** The keyed hash of the code given (CodeHasher.hash). */
  candidate: string;
  /** Fresh random bytes (base64) under which both hashes are digested again before they are compared. */
  salt: string;
  /** The phone's lock-out rules (VerificationPolicy). */
  limits: {
    maxFailedChecksPerPhone: number;
    phoneLockoutSeconds: number;
    maxFailedChecksPerPhoneAllTenants: number;
    allTenantsWindowSeconds: number;
  };
  /** Purposes whose approval has an effect of the domain's: such a check is left to a transaction. */
  effectPurposes: readonly Purpose[];
  /** The refusal of a check on a verification in each terminal status. */
  refusalByStatus: Record<Exclude<VerificationStatus, 'pending'>, string>;
  now: Date;
}

/** A check as the store left it. */
export type CheckedCode =
  | { refused: string; until?: Date }
  | { needsTransaction: true }
  | { valid: boolean; lockedOut: boolean; verification: VerificationRecord; sends: VerificationSend[] };

export interface VerificationStore {
  /**
   * A check in one statement: the verification read (another tenant's is not found), the phone's guards locked,
   * a check taken, then approved or counted as a failure against the phone, the check recorded and every change
   * told to the webhooks.
   */
  check(plan: CheckPlan): Promise<CheckedCode>;
  /**
   * A start in one statement: the phone's guards locked (for the transaction, when in one), the window
   * counted, older codes of the key retired with their queued texts, then the verification, its text and the
   * send written, and the changes queued for the clients' webhooks.
   */
  start(plan: StartPlan): Promise<StartOutcome>;
  insert(verification: NewVerification): Promise<VerificationRecord>;
  findById(id: string): Promise<VerificationRecord | undefined>;
  listSends(id: string): Promise<VerificationSend[]>;
  recordSend(send: {
    verificationId: string;
    phone: string;
    messageId: string | null;
    channel: SendChannel;
    at: Date;
  }): Promise<void>;
  /** How one check of a code ended: approved, wrong_code, or the error code it was refused with. */
  recordCheck(check: { verificationId: string; result: string; at: Date }): Promise<void>;
  /** A resend: a new code and a fresh expiry; the check count is kept. */
  /** false when the verification was no longer pending (a racing check or cancel won). */
  replaceCode(id: string, codeHash: string, expiresAt: Date, now: Date): Promise<boolean>;
  /**
   * Writes `expired` on up to `limit` pending verifications past their expiry (rows another transaction
   * holds are skipped, for a later sweep); answers their ids.
   */
  expireOverdue(now: Date, limit: number): Promise<string[]>;
  /** Moves a pending verification to another status; false when it was no longer pending. */
  finish(id: string, status: Exclude<VerificationStatus, 'pending'>, now: Date): Promise<boolean>;
  /** The newest verification of the key still pending and unexpired at `now`. */
  findPending(key: PendingKey, now: Date): Promise<VerificationRecord | undefined>;
  /** Cancels every pending verification of a service (it is being deleted); answers their ids. */
  cancelPendingOfService(serviceId: string, now: Date): Promise<string[]>;
  /**
   * Pending verifications whose workflow step is over: its deadline passed, or its last message failed or
   * went undelivered. Up to `limit`, with the step each is on.
   */
  dueSteps(now: Date, limit: number): Promise<{ id: string; step: number }[]>;
  /** Moves a pending verification from step `fromStep` to the next; false when it is no longer there. */
  advanceStep(id: string, fromStep: number, next: NextStep, now: Date): Promise<boolean>;
  /** Stops a workflow where it is (no later step can send): its current code lives on until it expires. */
  endWorkflow(id: string, now: Date): Promise<void>;
}

export type ServicePatch = Partial<Pick<VerifyService, 'friendlyName' | 'codeLength' | 'customCodeEnabled'>>;

/** A tenant's verification services; another tenant's answers like a missing one. */
export interface ServiceStore {
  insert(service: VerifyService): Promise<VerifyService>;
  find(tenant: string, id: string): Promise<VerifyService | undefined>;
  update(tenant: string, id: string, patch: ServicePatch, now: Date): Promise<VerifyService | undefined>;
  /** A tenant's services in id order, after the given id (null: from the first). */
  list(tenant: string, afterId: string | null, limit: number): Promise<VerifyService[]>;
  /** false when the tenant has no such service. */
  delete(tenant: string, id: string): Promise<boolean>;
}

/** Failed checks of a phone for one tenant, or (tenant ALL_TENANTS) for all of them within a window. */
export interface PhoneGuard {
  phone: string;
  tenant: string;
  failedChecks: number;
  lockedUntil: Date | null;
  /** When the all-tenants count started; null for a tenant's guard, whose count has no window. */
  windowStartedAt: Date | null;
}

/** The tenant name of the guard that counts a phone's failures across every tenant (no tenant is named so). */
export const ALL_TENANTS = '*';

export interface PhoneGuardStore {
  /**
   * Creates the phone's guards (the tenant's and the all-tenants one) if needed and locks both for the
   * transaction, in that order: sends and checks to one phone queue here.
   */
  lock(phone: string, tenant: string, now: Date): Promise<{ tenant: PhoneGuard; allTenants: PhoneGuard }>;
  /** Locks the phone's guards like lock, then admits a send of a code under them: undefined, or the refusal. */
  admit(
    phone: string,
    tenant: string,
    now: Date,
    window: SendWindow | null,
  ): Promise<AdmissionRefusal | undefined>;
}

export interface NewMessage {
  id: string;
  kind: MessageKind;
  to: string;
  /** The text sealed for the dispatcher (it may hold a code). */
  bodySealed: string;
  preview: string;
  encoding: 'gsm7' | 'ucs2';
  parts: number;
  /** The estimated price of all its parts (SMS_PRICES), and its currency; null when unpriced. */
  price?: number | null;
  currency?: string | null;
  /** Never sent after this moment: a late code is useless. */
  expiresAt: Date | null;
  /** sms when not told. */
  channel?: Channel;
  /** An email's subject line (it holds no code). */
  subject?: string | null;
  /** The code alone, sealed, for a channel that carries it apart from the text (a WhatsApp template). */
  codeSealed?: string | null;
  /** The language of its text, for a provider that sends an approved template in it. */
  locale?: Locale | null;
  verificationId: string | null;
  clientId: string | null;
  tenant: string;
  now: Date;
}

export interface MessageStore {
  enqueue(message: NewMessage): Promise<void>;
  /** Fails the still-queued OTP texts of these verifications: their codes no longer work, so they are never sent. */
  retireQueuedOtps(verificationIds: readonly string[], now: Date): Promise<void>;
  findById(id: string): Promise<SmsMessage | undefined>;
}

export interface NewClient {
  id: string;
  code: string;
  name: string;
  tenant: string;
  keyHash: string;
  keySealed: string;
  /** Countries the client may text (ISO alpha-2); absent or null: SMS_COUNTRIES. */
  smsCountries?: readonly string[] | null;
  now: Date;
}

export interface ClientStore {
  findByKeyHash(keyHash: string): Promise<ApiClient | undefined>;
  findByCode(code: string): Promise<(ApiClient & { keySealed: string | null }) | undefined>;
  upsert(client: NewClient): Promise<ApiClient>;
}

/**
 * Status changes a client is told of (its webhook, docs/webhooks.md), recorded in the transaction that makes
 * them: a change rolled back is never told, a committed one always is. Message changes are recorded by the
 * outbox's own queries.
 */
export interface StatusChangeStore {
  /** The verifications' statuses just written (started, approved, canceled, expired, max_attempts_reached). */
  verificationsChanged(ids: readonly string[], at: Date): Promise<void>;
}

/** A client's webhook: where its status changes are posted, and the secret that signs them (sealed). */
export interface ClientWebhook {
  url: string;
  secretSealed: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ClientWebhookStore {
  find(clientId: string): Promise<ClientWebhook | undefined>;
  /** Registers or replaces the client's webhook; deliveries still queued go to the new URL, signed anew. */
  save(clientId: string, webhook: { url: string; secretSealed: string }, now: Date): Promise<ClientWebhook>;
  /** false when the client had none. Deliveries still queued go with it. */
  remove(clientId: string): Promise<boolean>;
}

export interface ReferenceStore {
  countries(): Promise<Country[]>;
  emirates(): Promise<Emirate[]>;
}

export interface Store {
  customers: CustomerStore;
  verifications: VerificationStore;
  services: ServiceStore;
  phoneGuards: PhoneGuardStore;
  passwordBudgets: PasswordBudgetStore;
  messages: MessageStore;
  clients: ClientStore;
  reference: ReferenceStore;
  requestClaims: RequestClaimStore;
  loginSessions: LoginSessionStore;
  usedTokens: UsedTokenStore;
  sendGuard: SendGuardStore;
  prefixRules: PrefixRuleStore;
  securityEvents: SecurityEventStore;
  statusChanges: StatusChangeStore;
  webhooks: ClientWebhookStore;
  /** Runs the work in one transaction; the store handed to it is bound to that transaction. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
}

/** Sends and approvals to one prefix within the guard's window, the send being admitted included. */
export interface PrefixWindow {
  prefix: string;
  sent: number;
  approved: number;
  /** The start of the oldest minute counted. */
  since: Date;
}

/** The tenant of an operator's block or safe-list entry that holds for every tenant. */
export const EVERY_TENANT = '*';

/**
 * A prefix's block for one tenant (or EVERY_TENANT), in force while blockedUntil is ahead; the row stays
 * once it ends, so that the next block knows it repeats.
 */
export interface PrefixBlock {
  tenant: string;
  prefix: string;
  blockedUntil: Date | null;
  /** Blocks in a row (each doubles the period); an operator's block leaves it as it is. */
  repeats: number;
  source: 'guard' | 'operator';
  reason: string;
  blockedAt: Date;
  updatedAt: Date;
}

/** A number or prefix the guard never blocks, for one tenant or EVERY_TENANT. */
export interface SafeEntry {
  tenant: string;
  prefix: string;
  note: string | null;
  createdAt: Date;
}

export interface SendToCount {
  tenant: string;
  /** The prefixes the guard counts, shortest first. */
  counted: readonly string[];
  /** Every leading part of the number, the number included: blocks and safe entries of any length match. */
  candidates: readonly string[];
  /** The minute the send is counted in, and where the window starts. */
  bucket: Date;
  windowStart: Date;
  /** Budgets the send spends: a scope ('day', 'country:IR') and the start of its period. */
  budgets: readonly { scope: string; periodStart: Date }[];
  /**
   * Counted on its own (no transaction): its commit need not wait for the disk. The rows it updates are shared
   * by every send of the tenant and stay locked until the commit is durable otherwise, so sends would queue on
   * the disk one by one; a count lost in a database crash only lets a few more texts through.
   */
  alone?: boolean;
}

export interface CountedSend {
  windows: PrefixWindow[];
  budgets: { scope: string; sent: number }[];
  /**
   * Blocks on any candidate, this tenant's or every tenant's, in force or ended; safeInside when a safe entry
   * lies within the blocked prefix (so not every number under it may be refused).
   */
  blocks: (PrefixBlock & { safeInside: boolean })[];
  safe: boolean;
}

/** The guard's counts per tenant and prefix, in minute buckets, and its blocks (shared by every node). */
export interface SendGuardStore {
  /**
   * One statement: counts the send in its prefixes' current minute and in its budgets, and reads the
   * windows (this send included), the blocks and the safe list. Rolled back with a refused send.
   */
  countSend(send: SendToCount): Promise<CountedSend>;
  /** Takes a count back: a send counted outside a transaction that was then refused. */
  uncountSend(send: SendToCount): Promise<void>;
  /**
   * Blocks a prefix unless a block is already in force (then false: a concurrent send placed it), and takes
   * the prefix's window counts off its ancestors', so that what this block explains does not block them too.
   */
  placeBlock(
    block: Omit<PrefixBlock, 'updatedAt'>,
    explained: { ancestors: readonly string[]; windowStart: Date },
    now: Date,
  ): Promise<boolean>;
}

/** The operator's blocks and safe list (the CLI). */
export interface PrefixRuleStore {
  /** Places or replaces a block by hand. */
  block(block: Omit<PrefixBlock, 'updatedAt' | 'repeats'>, now: Date): Promise<PrefixBlock>;
  /**
   * Lifts the blocks in force on exactly this prefix (of one tenant, or of all when tenant is undefined) and
   * forgets the prefix's counts since windowStart, so that it starts afresh; answers the blocks lifted.
   */
  unblock(prefix: string, tenant: string | undefined, windowStart: Date, now: Date): Promise<PrefixBlock[]>;
  addSafe(entry: SafeEntry): Promise<boolean>;
  removeSafe(tenant: string, prefix: string): Promise<boolean>;
  /** Blocks in force at `now`, and the whole safe list. */
  list(now: Date): Promise<{ blocks: PrefixBlock[]; safe: SafeEntry[] }>;
}

export type SecurityEventType =
  | 'limit_hit'
  | 'send_budget_exceeded'
  | 'prefix_blocked'
  | 'prefix_unblocked'
  | 'send_refused'
  | 'safe_list_changed'
  | 'check_failed'
  | 'phone_locked_out'
  | 'password_refused'
  | 'signature_refused'
  | 'phone_changed';

/** Who did what, with the figures that made a decision. tenant null: the operator's (no client sees it). */
export interface SecurityEvent {
  type: SecurityEventType;
  tenant: string | null;
  clientId: string | null;
  ip: string | null;
  /** What it is about: a prefix, a masked number, a route. */
  subject: string | null;
  /** One line a person reads: "+9891212: 21 sent, 0 approved in 3 min". */
  summary: string;
  figures: Record<string, unknown>;
}

export interface SecurityEventRecord extends SecurityEvent {
  /** Increasing: the cursor of a listing. */
  id: string;
  at: Date;
}

export interface SecurityEventStore {
  insert(event: SecurityEvent, at: Date): Promise<void>;
  /** A tenant's events after the cursor (oldest first), of one type and since a moment when given. */
  list(query: {
    tenant: string;
    type?: string;
    since?: Date;
    afterId?: string;
    limit: number;
  }): Promise<SecurityEventRecord[]>;
  /**
   * Every tenant's events, the operator's view: newest first, before a position, of one type, about subjects
   * starting with `subjectPrefix`, within a period; each with its client's code.
   */
  listForOperator(query: {
    type?: string;
    subjectPrefix?: string;
    from?: Date;
    to?: Date;
    before?: { at: Date; id: string };
    limit: number;
  }): Promise<(SecurityEventRecord & { clientCode: string | null })[]>;
}

/** One reply kept for replay: what the first run of a request answered. */
export interface StoredReply {
  statusCode: number;
  /** The headers a repeat must see again (content-type, location...), by lower-case name. */
  headers: Record<string, string>;
  body: string;
}

/** A client's request id, within the scope that keeps clients apart. */
export interface RequestKey {
  scope: string;
  requestId: string;
}

/** Request ids claimed for one run, with their first reply (X-Request-ID, Idempotency-Key). */
export interface RequestClaimStore {
  /**
   * Claims the id for one run: true when there was no record, or only one older than `expiredBefore`, or
   * an unfinished claim older than `abandonedBefore` (its node died). Of concurrent claims, one wins.
   */
  claim(
    key: RequestKey & { fingerprint: string },
    at: { now: Date; expiredBefore: Date; abandonedBefore: Date },
  ): Promise<boolean>;
  /** The claim of an id (its reply null while the first run goes on), unless older than `expiredBefore`. */
  find(
    key: RequestKey,
    expiredBefore: Date,
  ): Promise<{ fingerprint: string; reply: StoredReply | null } | undefined>;
  complete(key: RequestKey, reply: StoredReply, now: Date): Promise<void>;
  /** Forgets an unfinished claim, so that a retry with the same id runs. */
  release(key: RequestKey): Promise<void>;
  purge(expiredBefore: Date): Promise<void>;
}

/** A signed-in customer's session: the salt its client signs that customer's requests with. */
export interface LoginSession {
  customerId: string;
  loginSalt: string;
}

export interface LoginSessionStore {
  insert(
    session: LoginSession & { id: string; clientCode: string; now: Date; expiresAt: Date },
  ): Promise<void>;
  /** A client's unexpired sessions, newest first, of one customer when one is named. */
  live(query: { clientCode: string; customerId?: string; now: Date; limit: number }): Promise<LoginSession[]>;
  deleteExpired(now: Date): Promise<void>;
}

/** Signatures (or any one-time token) already accepted, until they could no longer be fresh. */
export interface UsedTokenStore {
  /** Records the token as used; false when it already was (atomically: of two replays, one is first). */
  remember(used: { token: string; scope: string; expiresAt: Date }): Promise<boolean>;
  forgetExpired(now: Date): Promise<void>;
}

/** Per-phone request-rate limit (a burst guard in front of the durable send limit). */
export interface PhoneRateLimiter {
  consume(phone: string): Promise<void>;
}

/**
 * What a text costs, as the SMS side reckons it: its encoding and parts, and the estimated price of them all
 * (SMS_PRICES; undefined when unpriced). The provider's reported price replaces the estimate once sent.
 */
export interface MessageCosts {
  costOf(
    text: string,
    to: string,
  ): { encoding: 'gsm7' | 'ucs2'; parts: number; price: { amount: number; currency: string } | undefined };
}

/** Tells the dispatcher that messages were queued, so it need not wait for its next poll. */
export interface OutboxSignal {
  messagesQueued(): void;
}

/** How a check of a code ended: `refused` when it could not be counted (locked, expired, spent, canceled). */
export type CheckResultKind = 'approved' | 'wrong_code' | 'refused';

/**
 * What happened in the domain, for whoever counts it (metrics). Told once the change is committed, so a
 * rolled-back transaction is never counted; a listener must be cheap and must not throw.
 */
export interface DomainEvents {
  verificationStarted(purpose: Purpose): void;
  verificationChecked(result: CheckResultKind): void;
  /** A phone reached its failed-check limit and is locked out. */
  phoneLockedOut(): void;
  /** A code was not sent: the phone's send window is full (too_many_sends). */
  sendWindowFull(): void;
}

export const ignoredDomainEvents: DomainEvents = {
  verificationStarted: () => undefined,
  verificationChecked: () => undefined,
  phoneLockedOut: () => undefined,
  sendWindowFull: () => undefined,
};

export type { Customer };
