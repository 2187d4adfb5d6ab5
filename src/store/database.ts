/** Every table, as Kysely sees it. Columns with database defaults are Generated<>. */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date, Date>;
/** numeric columns come back from Postgres as strings (exact decimals). */
type Numeric = ColumnType<string, number | string, number | string>;

export interface CountriesTable {
  id: number;
  alpha2: string;
  alpha3: string;
  calling_code: string;
  name_en: string;
  name_ar: string;
}

export interface EmiratesTable {
  id: number;
  name_en: string;
  name_ar: string;
}

export interface ApiClientsTable {
  id: string;
  code: string;
  name: string;
  key_hash: string;
  key_sealed: string | null;
  /** The organisation whose customers, verifications and messages the client shares. */
  tenant: string;
  active: Generated<boolean>;
  /** Comma-separated ISO alpha-2 countries the client may text; null: SMS_COUNTRIES. */
  sms_countries: Generated<string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CustomersTable {
  id: string;
  number: Generated<number>;
  /** The API client that registered the customer. */
  client_id: Generated<string | null>;
  /** Only clients of this tenant see the customer ('' : registered on a face without authentication). */
  tenant: string;
  name_en: string;
  name_ar: string | null;
  email: string;
  phone: string;
  password_hash: string;
  notes: string | null;
  active: boolean;
  emirate_id: number | null;
  mobile_country_id: number | null;
  phone_verified: Generated<boolean>;
  pending_phone: string | null;
  pending_verification_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface VerificationsTable {
  id: string;
  phone: string;
  purpose: string;
  locale: string;
  customer_id: string | null;
  client_id: string | null;
  tenant: string;
  status: string;
  code_hash: string;
  checks: Generated<number>;
  max_checks: number;
  expires_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  approved_at: Timestamp | null;
  service_id: string | null;
  brand: string | null;
  code_length: number | null;
  app_hash: string | null;
  max_sends: number | null;
  channel: Generated<string>;
  workflow: ColumnType<unknown, string | null, string | null>;
  step: Generated<number>;
  step_deadline: Timestamp | null;
  /** The send guard's prefixes its send counted, converted by its approval (otp_check). */
  counted_prefixes: string[] | null;
}

/** A tenant's verification services (Twilio Verify's). */
export interface VerifyServicesTable {
  id: string;
  tenant: string;
  friendly_name: string;
  code_length: number | null;
  custom_code_enabled: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface VerificationSendsTable {
  id: Generated<string>;
  verification_id: string;
  phone: string;
  message_id: string | null;
  channel: string;
  created_at: Timestamp;
}

/** One check of a code: approved, wrong_code, or the error code it was refused with. */
export interface VerificationChecksTable {
  id: Generated<string>;
  verification_id: string;
  result: string;
  created_at: Timestamp;
}

/** An operator console session, by the SHA-256 of its cookie's token. */
export interface AdminSessionsTable {
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** Failed checks per phone and tenant; the tenant '*' row is the ceiling across tenants, counted per window. */
export interface PhoneGuardsTable {
  phone: string;
  tenant: string;
  failed_checks: Generated<number>;
  locked_until: Timestamp | null;
  window_started_at: Generated<Date | null>;
  updated_at: Timestamp;
}

/** Wrong passwords per customer ('customer:<id>') or unknown identity ('identity:<tenant>:<identity>'). */
export interface PasswordBudgetsTable {
  subject: string;
  failures: Generated<number>;
  locks: Generated<number>;
  locked_until: Timestamp | null;
  updated_at: Timestamp;
}

export interface SmsMessagesTable {
  id: string;
  kind: string;
  /** 0 = OTP lane (first), 1 = notices. */
  priority: number;
  recipient: string;
  body_sealed: string | null;
  preview: string;
  encoding: string;
  parts: number;
  price: Numeric | null;
  currency: string | null;
  status: string;
  provider: string | null;
  provider_ref: string | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  lease_until: Timestamp | null;
  expires_at: Timestamp | null;
  error_code: string | null;
  error_message: string | null;
  verification_id: string | null;
  client_id: string | null;
  tenant: string;
  /** sms | whatsapp | email */
  channel: Generated<string>;
  /** An email's subject. */
  subject: Generated<string | null>;
  /** The code alone, sealed, for WhatsApp's authentication template; erased once sent. */
  code_sealed: Generated<string | null>;
  read_at: Generated<Date | null>;
  locale: Generated<string | null>;
  /** Set by each claim; an outcome is recorded only under the claim that is still current. */
  claim_id: Generated<string | null>;
  created_at: Timestamp;
  sending_at: Timestamp | null;
  sent_at: Timestamp | null;
  delivered_at: Timestamp | null;
  undelivered_at: Generated<Date | null>;
  failed_at: Timestamp | null;
  updated_at: Timestamp;
}

/** One provider id of a sent message: receipts come per part. */
export interface SmsMessagePartsTable {
  message_id: string;
  /** 1-based, in the order the provider returned the refs. */
  seq: number;
  provider: string;
  part_ref: string;
  /** sent | delivered | undelivered | failed */
  status: string;
  error_code: string | null;
  updated_at: Timestamp;
}

/** A receipt whose part is not recorded yet (it beat the submit reply, or names an id never seen). */
export interface SmsHeldReceiptsTable {
  id: Generated<number>;
  provider: string;
  provider_ref: string;
  status: string;
  error_code: string | null;
  received_at: Timestamp;
}

/** The messages waiting to be sent or being sent, and when each falls due (kept by triggers on sms_messages). */
export interface SmsDueTable {
  message_id: string;
  priority: number;
  due_at: Timestamp;
}

/** Codes sent and approved per tenant, prefix and minute: the send guard's sliding window. */
export interface SendCountsTable {
  tenant: string;
  prefix: string;
  bucket: Timestamp;
  /** 0: the minute's sends (and older approvals); 1 to 8: its approvals, spread (otp_check). */
  shard: Generated<number>;
  sent: Generated<number>;
  approved: Generated<number>;
}

/** A prefix's block (tenant '*': every tenant's), kept after it ends for the repeat count. */
export interface PrefixBlocksTable {
  tenant: string;
  prefix: string;
  blocked_until: Timestamp | null;
  repeats: Generated<number>;
  source: string;
  reason: string;
  blocked_at: Timestamp;
  updated_at: Timestamp;
}

export interface SafePrefixesTable {
  tenant: string;
  prefix: string;
  note: string | null;
  created_at: Timestamp;
}

/** Codes a tenant sent in one budget period ('day', 'country:IR'). */
export interface SendBudgetsTable {
  tenant: string;
  scope: string;
  period_start: Timestamp;
  sent: Generated<number>;
}

export interface SecurityEventsTable {
  /** bigserial: a string, as node-postgres reads a bigint. */
  id: Generated<string>;
  type: string;
  tenant: string | null;
  client_id: string | null;
  ip: string | null;
  subject: string | null;
  summary: string;
  figures: ColumnType<Record<string, unknown>, string, string>;
  created_at: Timestamp;
}

/** The URL a client registered for its webhook, and the secret its posts are signed with (sealed). */
export interface ClientWebhooksTable {
  client_id: string;
  url: string;
  secret_sealed: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One status change to post to one client's webhook: the queue entry and the record of its delivery. */
export interface WebhookDeliveriesTable {
  id: string;
  /** Queue order: a subject's changes are posted in it. */
  seq: Generated<string>;
  client_id: string;
  event_type: string;
  subject_id: string;
  data: ColumnType<unknown, string, string>;
  /** pending | delivering | delivered | failed */
  status: string;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  lease_until: Timestamp | null;
  claim_id: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface Database {
  countries: CountriesTable;
  emirates: EmiratesTable;
  secret_check: SecretCheckTable;
  api_clients: ApiClientsTable;
  customers: CustomersTable;
  verifications: VerificationsTable;
  verify_services: VerifyServicesTable;
  verification_sends: VerificationSendsTable;
  verification_checks: VerificationChecksTable;
  admin_sessions: AdminSessionsTable;
  phone_guards: PhoneGuardsTable;
  password_budgets: PasswordBudgetsTable;
  sms_messages: SmsMessagesTable;
  sms_message_parts: SmsMessagePartsTable;
  sms_held_receipts: SmsHeldReceiptsTable;
  sms_due: SmsDueTable;
  send_counts: SendCountsTable;
  prefix_blocks: PrefixBlocksTable;
  safe_prefixes: SafePrefixesTable;
  send_budgets: SendBudgetsTable;
  security_events: SecurityEventsTable;
  client_webhooks: ClientWebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type CustomerRow = Selectable<CustomersTable>;
export type NewCustomerRow = Insertable<CustomersTable>;
export type VerificationRow = Selectable<VerificationsTable>;
export type SmsMessageRow = Selectable<SmsMessagesTable>;

/** One row (id 1): the check value of the CODE_SECRET the database was first started with. */
export interface SecretCheckTable {
  id: number;
  value: string;
  created_at: Generated<Date>;
}
