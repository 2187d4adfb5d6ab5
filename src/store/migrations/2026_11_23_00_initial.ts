/** The initial schema. Plain SQL; migrations never import today's types. */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE countries (
      id integer PRIMARY KEY,
      alpha2 char(2) NOT NULL UNIQUE,
      alpha3 char(3) NOT NULL UNIQUE,
      calling_code text NOT NULL,
      name_en text NOT NULL,
      name_ar text NOT NULL
    );
    CREATE TABLE emirates (
      id integer PRIMARY KEY,
      name_en text NOT NULL,
      name_ar text NOT NULL
    );
    CREATE TABLE api_clients (
      id uuid PRIMARY KEY,
      code text NOT NULL UNIQUE,
      name text NOT NULL,
      key_hash text NOT NULL UNIQUE,
      key_sealed text,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE TABLE customers (
      id uuid PRIMARY KEY,
      number integer GENERATED ALWAYS AS IDENTITY UNIQUE,
      name_en varchar(400) NOT NULL,
      name_ar varchar(400),
      email varchar(100) NOT NULL,
      phone varchar(20) NOT NULL,
      password_hash text NOT NULL,
      notes varchar(500),
      active boolean NOT NULL DEFAULT true,
      emirate_id integer REFERENCES emirates (id),
      mobile_country_id integer REFERENCES countries (id),
      phone_verified boolean NOT NULL DEFAULT false,
      pending_phone varchar(20),
      pending_verification_id uuid,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE UNIQUE INDEX customers_email_key ON customers (lower(email));
    CREATE UNIQUE INDEX customers_phone_key ON customers (phone);
    CREATE TABLE verifications (
      id uuid PRIMARY KEY,
      phone varchar(20) NOT NULL,
      purpose text NOT NULL,
      locale text NOT NULL,
      customer_id uuid REFERENCES customers (id),
      client_id uuid REFERENCES api_clients (id),
      status text NOT NULL,
      code_hash text NOT NULL,
      checks integer NOT NULL DEFAULT 0,
      max_checks integer NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      approved_at timestamptz
    );
    CREATE INDEX verifications_phone_pending_idx ON verifications (phone, purpose) WHERE status = 'pending';
    CREATE TABLE sms_messages (
      id uuid PRIMARY KEY,
      kind text NOT NULL,
      priority smallint NOT NULL,
      recipient varchar(20) NOT NULL,
      body_sealed text,
      preview text NOT NULL,
      encoding text NOT NULL,
      parts integer NOT NULL,
      price numeric(12, 6),
      currency text,
      status text NOT NULL,
      provider text,
      provider_ref text,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      lease_until timestamptz,
      expires_at timestamptz,
      error_code text,
      error_message text,
      verification_id uuid REFERENCES verifications (id),
      client_id uuid REFERENCES api_clients (id),
      created_at timestamptz NOT NULL,
      sending_at timestamptz,
      sent_at timestamptz,
      delivered_at timestamptz,
      failed_at timestamptz,
      updated_at timestamptz NOT NULL
    );
    -- The dispatcher's claim query walks this index: only unfinished rows are in it.
    CREATE INDEX sms_messages_due_idx ON sms_messages (priority, next_attempt_at) WHERE status IN ('queued', 'sending');
    CREATE INDEX sms_messages_recipient_idx ON sms_messages (recipient, created_at) WHERE kind = 'otp';
    CREATE INDEX sms_messages_provider_ref_idx ON sms_messages (provider_ref) WHERE provider_ref IS NOT NULL;
    CREATE TABLE verification_sends (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      verification_id uuid NOT NULL REFERENCES verifications (id),
      phone varchar(20) NOT NULL,
      message_id uuid REFERENCES sms_messages (id),
      channel text NOT NULL,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX verification_sends_verification_idx ON verification_sends (verification_id);
    CREATE TABLE phone_guards (
      phone varchar(20) PRIMARY KEY,
      failed_checks integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      updated_at timestamptz NOT NULL
    );
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    'DROP TABLE phone_guards, verification_sends, sms_messages, verifications, customers, api_clients, emirates, countries;',
  );
}
