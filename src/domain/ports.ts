/**
 * What the domain needs from the outside world, as interfaces: storage (implemented in store/),
 * time, rate limits and the outbox wake-up. The domain imports nothing from HTTP, SQL or a provider.
 */
import type {
  ApiClient,
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
  now: Date;
}

export interface VerificationStore {
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
   * Counts one check atomically, only while the verification is pending, unexpired and has checks
   * left; returns the row after the increment, or undefined when no check may be made.
   */
  takeCheck(id: string, now: Date): Promise<VerificationRecord | undefined>;
  /** Moves a pending verification to another status; false when it was no longer pending. */
  finish(id: string, status: Exclude<VerificationStatus, 'pending'>, now: Date): Promise<boolean>;
  /** Cancels the pending verifications of a phone, purpose, tenant and customer (a new one replaces them). */
  cancelPending(
    key: { phone: string; purpose: Purpose; tenant: string; customerId: string | null },
    now: Date,
  ): Promise<string[]>;
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
  save(guard: PhoneGuard, now: Date): Promise<void>;
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
  verificationId: string | null;
  clientId: string | null;
  tenant: string;
  now: Date;
}

export interface MessageStore {
  enqueue(message: NewMessage): Promise<void>;
  /** Fails the still-queued OTP texts of these verifications: their codes no longer work, so they are never sent. */
  retireQueuedOtps(verificationIds: readonly string[], now: Date): Promise<void>;
  /** A tenant's OTP messages queued to a phone since a moment, and the oldest of them (when the window frees up). */
  countOtpSince(phone: string, tenant: string, since: Date): Promise<{ count: number; oldest: Date | null }>;
  findById(id: string): Promise<SmsMessage | undefined>;
}

export interface NewClient {
  id: string;
  code: string;
  name: string;
  tenant: string;
  keyHash: string;
  keySealed: string;
  now: Date;
}

export interface ClientStore {
  findByKeyHash(keyHash: string): Promise<ApiClient | undefined>;
  findByCode(code: string): Promise<(ApiClient & { keySealed: string | null }) | undefined>;
  upsert(client: NewClient): Promise<ApiClient>;
}

export interface ReferenceStore {
  countries(): Promise<Country[]>;
  emirates(): Promise<Emirate[]>;
}

export interface Store {
  customers: CustomerStore;
  verifications: VerificationStore;
  phoneGuards: PhoneGuardStore;
  passwordBudgets: PasswordBudgetStore;
  messages: MessageStore;
  clients: ClientStore;
  reference: ReferenceStore;
  requestClaims: RequestClaimStore;
  loginSessions: LoginSessionStore;
  usedTokens: UsedTokenStore;
  /** Runs the work in one transaction; the store handed to it is bound to that transaction. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
}

/** One reply kept for replay: what the first run of a request answered. */
export interface StoredReply {
  statusCode: number;
  contentType: string;
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
