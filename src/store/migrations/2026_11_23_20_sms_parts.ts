/**
 * Per-part provider refs (receipts arrive per part; a long message is delivered when every part is) and a
 * holding table for receipts that arrive before their message's send is recorded. Plain SQL.
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE sms_message_parts (
      message_id uuid NOT NULL REFERENCES sms_messages (id) ON DELETE CASCADE,
      seq smallint NOT NULL,
      provider text NOT NULL,
      part_ref text NOT NULL,
      status text NOT NULL,
      error_code text,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (message_id, seq)
    );
    -- Every receipt looks its part up by the provider's id.
    CREATE INDEX sms_message_parts_ref_idx ON sms_message_parts (provider, part_ref);
    CREATE TABLE sms_held_receipts (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      provider text NOT NULL,
      provider_ref text NOT NULL,
      status text NOT NULL,
      error_code text,
      received_at timestamptz NOT NULL
    );
    CREATE INDEX sms_held_receipts_ref_idx ON sms_held_receipts (provider, provider_ref);
    -- Receipts for ids that never turn up are purged by age.
    CREATE INDEX sms_held_receipts_received_idx ON sms_held_receipts (received_at);
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'DROP TABLE sms_held_receipts, sms_message_parts;');
}
