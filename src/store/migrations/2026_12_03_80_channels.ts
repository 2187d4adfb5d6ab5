/**
 * Channels (issue 15): a verification's channel (sms, whatsapp, email) and its optional workflow of steps,
 * the step it is on and when that step gives way to the next; a message's channel, an email's subject, the
 * code a WhatsApp authentication template carries (sealed, erased once sent) and when it was read. An email
 * address is a destination like a phone, so the destination columns widen to an address's 254 characters
 * (RFC 5321's path limit). No new foreign key. Plain SQL.
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE verifications ADD COLUMN channel text NOT NULL DEFAULT 'sms';
    -- [{channel, to, timeoutSeconds}], in order; null: one channel, no fallback.
    ALTER TABLE verifications ADD COLUMN workflow jsonb;
    ALTER TABLE verifications ADD COLUMN step integer NOT NULL DEFAULT 0;
    -- When the current step gives way to the next; null on the last step (or without a workflow).
    ALTER TABLE verifications ADD COLUMN step_deadline timestamptz;
    ALTER TABLE verifications ALTER COLUMN phone TYPE varchar(254);
    ALTER TABLE verification_sends ALTER COLUMN phone TYPE varchar(254);
    ALTER TABLE phone_guards ALTER COLUMN phone TYPE varchar(254);
    ALTER TABLE sms_messages ALTER COLUMN recipient TYPE varchar(254);
    ALTER TABLE sms_messages ADD COLUMN channel text NOT NULL DEFAULT 'sms';
    ALTER TABLE sms_messages ADD COLUMN subject text;
    ALTER TABLE sms_messages ADD COLUMN code_sealed text;
    ALTER TABLE sms_messages ADD COLUMN read_at timestamptz;
    -- The language of a template the provider fills (WhatsApp's is approved per language).
    ALTER TABLE sms_messages ADD COLUMN locale text;
    -- The workflow sweep: pending verifications whose step may give way to the next.
    CREATE INDEX verifications_step_due_idx ON verifications (step_deadline)
      WHERE status = 'pending' AND step_deadline IS NOT NULL;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `DROP INDEX verifications_step_due_idx;
    ALTER TABLE sms_messages DROP COLUMN locale;
    ALTER TABLE sms_messages DROP COLUMN read_at;
    ALTER TABLE sms_messages DROP COLUMN code_sealed;
    ALTER TABLE sms_messages DROP COLUMN subject;
    ALTER TABLE sms_messages DROP COLUMN channel;
    DELETE FROM verification_checks
      WHERE verification_id IN (SELECT id FROM verifications WHERE length(phone) > 20);
    DELETE FROM verification_sends WHERE length(phone) > 20
      OR verification_id IN (SELECT id FROM verifications WHERE length(phone) > 20);
    DELETE FROM sms_message_parts WHERE message_id IN (SELECT id FROM sms_messages WHERE length(recipient) > 20
      OR verification_id IN (SELECT id FROM verifications WHERE length(phone) > 20));
    DELETE FROM sms_messages WHERE length(recipient) > 20
      OR verification_id IN (SELECT id FROM verifications WHERE length(phone) > 20);
    DELETE FROM verifications WHERE length(phone) > 20;
    DELETE FROM phone_guards WHERE length(phone) > 20;
    ALTER TABLE sms_messages ALTER COLUMN recipient TYPE varchar(20);
    ALTER TABLE phone_guards ALTER COLUMN phone TYPE varchar(20);
    ALTER TABLE verification_sends ALTER COLUMN phone TYPE varchar(20);
    ALTER TABLE verifications ALTER COLUMN phone TYPE varchar(20);
    ALTER TABLE verifications DROP COLUMN step_deadline;
    ALTER TABLE verifications DROP COLUMN step;
    ALTER TABLE verifications DROP COLUMN workflow;
    ALTER TABLE verifications DROP COLUMN channel;`,
  );
}
