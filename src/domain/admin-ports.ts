/**
 * What the operator console needs from the outside: its sessions, the read models of its lists and overview
 * (store/admin-queries.ts), and the SMS-pumping guard's prefixes and security events, which a deployment
 * may not have yet (the console then says so rather than showing anything made up).
 */
import type {
  ApiClient,
  Customer,
  MessageStatus,
  Purpose,
  SmsMessage,
  VerificationRecord,
  VerificationStatus,
} from './types.js';

export interface AdminSessionStore {
  insert(session: { tokenHash: string; now: Date; expiresAt: Date }): Promise<void>;
  /** True while a session with this token hash exists and has not expired. */
  live(tokenHash: string, now: Date): Promise<boolean>;
  delete(tokenHash: string): Promise<void>;
  deleteExpired(now: Date): Promise<void>;
}

/** A moment and an id: lists run newest first, and a page resumes after the last row of the previous one. */
export interface ListPosition {
  at: Date;
  id: string;
}

export interface Period {
  from: Date;
  to: Date;
}

/** Every list: after a position, at most `limit` rows (the store is asked for one more, to know of a next page). */
export interface PageQuery {
  after: ListPosition | undefined;
  limit: number;
}

export interface VerificationFilter {
  /** Digits the number starts with, after its +: a whole number or a prefix. */
  phoneDigits?: string;
  /** As the operator reads it: a pending verification past its expiry is expired. */
  status?: VerificationStatus;
  purpose?: Purpose;
  clientCode?: string;
  period?: Period;
  /** The moment `status` is judged at. */
  now: Date;
}

export interface MessageFilter {
  phoneDigits?: string;
  status?: MessageStatus;
  period?: Period;
}

export interface CustomerFilter {
  phoneDigits?: string;
  /** Part of the name (English or Arabic) or the email, any case. */
  text?: string;
  tenant?: string;
}

export interface AdminVerificationRow extends Omit<VerificationRecord, 'codeHash'> {
  clientCode: string | null;
  /** Texts sent for it (the first and every resend). */
  sends: number;
}

export interface AdminMessageRow extends SmsMessage {
  clientCode: string | null;
}

export interface MessagePartRow {
  seq: number;
  provider: string;
  ref: string;
  status: string;
  errorCode: string | null;
  updatedAt: Date;
}

export interface VerificationCheckRow {
  at: Date;
  /** approved, wrong_code, or the error code it was refused with (phone_locked, verification_expired...). */
  result: string;
}

export interface AdminCustomerRow extends Customer {
  tenant: string;
  ownerClientCode: string | null;
}

export interface AdminClientRow extends ApiClient {
  createdAt: Date;
  updatedAt: Date;
  /** Codes its tenant sent in the UTC day that starts at the `dayStart` asked for (the day's send budget). */
  sentToday: number;
}

/** Counts over a period, split into equal buckets by the index of the bucket each row falls in. */
export interface TrafficFigures {
  started: number;
  approved: number;
  /** Texts sent for verifications (first sends and resends, test numbers included). */
  sends: number;
  /** Messages a provider took or tried, and those it reported delivered. */
  handed: number;
  delivered: number;
  costs: { currency: string; amount: number }[];
  buckets: { index: number; started: number; approved: number; sends: number }[];
  /** Started and approved by the first digits of the number; `sample` is one number of the group. */
  prefixes: { prefix: string; sample: string; started: number; approved: number }[];
}

export interface AdminQueryStore {
  verifications(filter: VerificationFilter, page: PageQuery): Promise<AdminVerificationRow[]>;
  verification(id: string): Promise<AdminVerificationRow | undefined>;
  checksOf(verificationId: string): Promise<VerificationCheckRow[]>;
  messagesOf(verificationId: string): Promise<AdminMessageRow[]>;
  messages(filter: MessageFilter, page: PageQuery): Promise<AdminMessageRow[]>;
  message(id: string): Promise<AdminMessageRow | undefined>;
  partsOf(messageId: string): Promise<MessagePartRow[]>;
  customers(filter: CustomerFilter, page: PageQuery): Promise<AdminCustomerRow[]>;
  customer(id: string): Promise<AdminCustomerRow | undefined>;
  clients(page: PageQuery, dayStart: Date): Promise<AdminClientRow[]>;
  /** `prefixLength` characters of the E.164 number (the + included) make a prefix. */
  traffic(period: Period, buckets: number, prefixLength: number): Promise<TrafficFigures>;
}

/** A prefix the guard (or an operator) blocked, with the guard's reason and the figures it decided on. */
export interface BlockedPrefix {
  prefix: string;
  reason: string;
  /** guard | operator */
  source: string;
  figures: Record<string, number>;
  blockedAt: Date;
  until: Date | null;
}

export interface SafeListEntry {
  prefix: string;
  note: string | null;
  addedAt: Date;
}

export interface SecurityEvent {
  id: string;
  at: Date;
  type: string;
  /** What it is about: a prefix, a number (masked when the event was written), a route. */
  subject: string | null;
  clientCode: string | null;
  tenant: string | null;
  /** One line a person reads: "+9891212: 21 sent, 0 approved in 3 min". */
  summary: string;
  figures: Record<string, number | string>;
}

export interface SecurityEventFilter {
  type?: string;
  phoneDigits?: string;
  period?: Period;
}

/**
 * The SMS-pumping guard as the console sees it (domain/fraud-console.ts, over the guard's rules and the
 * security events); an app built without one answers `not_available` on the console's Fraud and Events pages.
 */
export interface FraudConsole {
  blockedPrefixes(page: PageQuery): Promise<(BlockedPrefix & { id: string })[]>;
  block(prefix: string, reason: string, now: Date): Promise<BlockedPrefix>;
  /** False when the prefix was not blocked. */
  unblock(prefix: string, now: Date): Promise<boolean>;
  safeList(page: PageQuery): Promise<(SafeListEntry & { id: string })[]>;
  addSafe(prefix: string, note: string | null, now: Date): Promise<SafeListEntry>;
  removeSafe(prefix: string, now: Date): Promise<boolean>;
  events(filter: SecurityEventFilter, page: PageQuery): Promise<SecurityEvent[]>;
}
