/** The domain's objects, in camelCase, as every face sees them. */

export type Locale = 'en' | 'ar' | 'fa';
export const LOCALES: readonly Locale[] = ['en', 'ar', 'fa'];

export type Purpose = 'signup' | 'login' | 'phone_change' | 'generic';
export const PURPOSES: readonly Purpose[] = ['signup', 'login', 'phone_change', 'generic'];

export type VerificationStatus = 'pending' | 'approved' | 'canceled' | 'expired' | 'max_attempts_reached';

/**
 * Who asks: the API client (null on a face whose authentication is off) and the tenant whose customers,
 * verifications and messages it sees. A tenant is an organisation; by default each client is its own.
 */
export interface Caller {
  clientId: string | null;
  tenant: string;
  /** The address the request came from (for security events); absent outside HTTP. */
  ip?: string;
  /** The client's own countries SMS may go to (ISO alpha-2), over SMS_COUNTRIES; absent: the default. */
  smsCountries?: readonly string[] | null;
}

/** The tenant of requests on a face whose client authentication is off: only such requests see it. */
export const UNNAMED_TENANT = '';

export interface Customer {
  id: string;
  /** Sequential integer id, for the legacy faces that name customers by number. */
  number: number;
  nameEn: string;
  nameAr: string | null;
  email: string;
  phone: string;
  notes: string | null;
  active: boolean;
  emirateId: number | null;
  mobileCountryId: number | null;
  phoneVerified: boolean;
  /** The number a phone change is waiting to confirm, if any. */
  pendingPhone: string | null;
  pendingVerificationId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The stored customer, with the password hash that never leaves the domain. */
export interface CustomerRecord extends Customer {
  passwordHash: string;
  /** The API client that registered it: the only one that may vouch for it. */
  ownerClientId: string | null;
  tenant: string;
}

/** How a code reaches its person: a text, a WhatsApp authentication message, an email. */
export type Channel = 'sms' | 'whatsapp' | 'email';
export const CHANNELS: readonly Channel[] = ['sms', 'whatsapp', 'email'];
/** The channels whose destination is a phone number (the pumping guard and geo permissions apply). */
export const PHONE_CHANNELS: ReadonlySet<Channel> = new Set(['sms', 'whatsapp']);

/** One step of a workflow (Vonage Verify v2's): its channel, where it sends, and how long it waits. */
export interface WorkflowStep {
  channel: Channel;
  /** E.164 for sms and whatsapp, an email address for email. */
  to: string;
  /** Not delivered, or not approved, within this long: the next step sends a new code. */
  timeoutSeconds: number;
}

export type SendChannel = Channel | 'test';

export interface VerificationSend {
  messageId: string | null;
  channel: SendChannel;
  at: Date;
}

export interface Verification {
  id: string;
  to: string;
  purpose: Purpose;
  locale: Locale;
  customerId: string | null;
  clientId: string | null;
  tenant: string;
  status: VerificationStatus;
  checks: number;
  maxChecks: number;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  approvedAt: Date | null;
  /** The service (a Twilio Verify service) it was started under, if any. */
  serviceId: string | null;
  /** The name its texts carry instead of the app's (a service's friendly name, a Vonage brand). */
  brand: string | null;
  /** Digits of its codes; null: the policy's length. */
  codeLength: number | null;
  /** Android SMS Retriever app hash: the last line of its texts. */
  appHash: string | null;
  /** How many texts it may send in all (a Vonage workflow's steps); null: as many as the limits allow. */
  maxSends: number | null;
  /** The channel its current code went by (the workflow's current step's). */
  channel: Channel;
  /** Its steps in order, when it falls back from one channel to the next; null: one channel. */
  workflow: WorkflowStep[] | null;
  /** The index of the current step in the workflow (0 without one). */
  step: number;
  /** When the current step gives way to the next; null on the last step or without a workflow. */
  stepDeadline: Date | null;
  sends: VerificationSend[];
}

export interface VerificationRecord extends Omit<Verification, 'sends'> {
  codeHash: string;
}

export type MessageKind = 'otp' | 'notice';
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed';

export interface SmsMessage {
  id: string;
  kind: MessageKind;
  channel: Channel;
  to: string;
  /** The text with any code masked: what a reply or an admin may see. */
  preview: string;
  encoding: 'gsm7' | 'ucs2';
  parts: number;
  price: number | null;
  currency: string | null;
  status: MessageStatus;
  provider: string | null;
  providerRef: string | null;
  attempts: number;
  errorCode: string | null;
  errorMessage: string | null;
  verificationId: string | null;
  clientId: string | null;
  tenant: string;
  createdAt: Date;
  sendingAt: Date | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  /** When its reader opened it (WhatsApp's read status); null for channels that do not say. */
  readAt: Date | null;
  undeliveredAt: Date | null;
  failedAt: Date | null;
  updatedAt: Date;
}

/**
 * A verification service (Twilio Verify's): a tenant's named profile whose friendly name its texts carry,
 * with its own code length, and whether its clients may choose their codes.
 */
export interface VerifyService {
  id: string;
  tenant: string;
  friendlyName: string;
  /** null: the policy's length. */
  codeLength: number | null;
  customCodeEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApiClient {
  id: string;
  code: string;
  name: string;
  /** The organisation whose customers, verifications and messages it shares with its other clients. */
  tenant: string;
  active: boolean;
  /** Countries SMS may go to for this client (ISO alpha-2); null: SMS_COUNTRIES. */
  smsCountries?: readonly string[] | null;
}

export interface Country {
  id: number;
  alpha2: string;
  alpha3: string;
  callingCode: string;
  nameEn: string;
  nameAr: string;
}

export interface Emirate {
  id: number;
  nameEn: string;
  nameAr: string;
}
