/**
 * The outbox's due list apart from the messages (issue 14). The due index on sms_messages had `status` in its
 * predicate and `next_attempt_at` in its key, so no update of a message was ever HOT: a claim, a record and a
 * receipt each wrote a new version of the row into all seven of its indexes (0 HOT of 113,588 updates).
 *
 * Now sms_due holds one small row per message waiting to be sent (queued) or being sent (sending, due again
 * when its lease runs out), kept by triggers whatever statement changes a message, so no writer can forget
 * it. Messages lose the due index and the unused one on provider_ref (receipts find parts, not messages), and
 * keep a fifth of each page free: the columns a claim, a record or a receipt changes are in no index, so
 * their updates can be HOT. Claims lock the message row first, then the trigger its due row: every writer
 * takes the two in that order.
 */
import { sql, type Kysely } from 'kysely';

const STATEMENTS = [
  `CREATE TABLE sms_due (
    message_id uuid PRIMARY KEY REFERENCES sms_messages (id) ON DELETE CASCADE,
    priority smallint NOT NULL,
    due_at timestamptz NOT NULL
  )`,
  `CREATE INDEX sms_due_idx ON sms_due (priority, due_at)`,
  // When a message falls due: a queued one at its next attempt, one being sent when its lease runs out.
  `CREATE OR REPLACE FUNCTION otp_due_at(m sms_messages) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN m.status = 'queued' THEN m.next_attempt_at
      ELSE coalesce(m.lease_until, m.next_attempt_at) END
  $$`,
  `CREATE OR REPLACE FUNCTION otp_sms_due_insert() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO sms_due (message_id, priority, due_at) VALUES (NEW.id, NEW.priority, otp_due_at(NEW));
    RETURN NULL;
  END $$`,
  `CREATE OR REPLACE FUNCTION otp_sms_due_update() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.status NOT IN ('queued', 'sending') THEN
      DELETE FROM sms_due WHERE message_id = NEW.id;
      RETURN NULL;
    END IF;
    UPDATE sms_due SET priority = NEW.priority, due_at = otp_due_at(NEW) WHERE message_id = NEW.id;
    IF NOT FOUND THEN
      INSERT INTO sms_due (message_id, priority, due_at) VALUES (NEW.id, NEW.priority, otp_due_at(NEW));
    END IF;
    RETURN NULL;
  END $$`,
  `CREATE TRIGGER sms_due_insert AFTER INSERT ON sms_messages FOR EACH ROW
    WHEN (NEW.status IN ('queued', 'sending')) EXECUTE FUNCTION otp_sms_due_insert()`,
  // A receipt (sent to delivered) does not run it: neither side is waiting to be sent.
  `CREATE TRIGGER sms_due_update AFTER UPDATE ON sms_messages FOR EACH ROW
    WHEN (NEW.status IN ('queued', 'sending') OR OLD.status IN ('queued', 'sending'))
    EXECUTE FUNCTION otp_sms_due_update()`,
  `INSERT INTO sms_due (message_id, priority, due_at)
    SELECT id, priority, otp_due_at(m) FROM sms_messages m WHERE status IN ('queued', 'sending')`,
  `DROP INDEX sms_messages_due_idx`,
  `DROP INDEX sms_messages_provider_ref_idx`,
  `ALTER TABLE sms_messages SET (fillfactor = 80)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // One by one: PGlite's extended protocol takes one statement per query (and the bodies hold semicolons).
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    `ALTER TABLE sms_messages RESET (fillfactor)`,
    `CREATE INDEX sms_messages_provider_ref_idx ON sms_messages (provider_ref) WHERE provider_ref IS NOT NULL`,
    `CREATE INDEX sms_messages_due_idx ON sms_messages (priority, next_attempt_at)
      WHERE status IN ('queued', 'sending')`,
    `DROP TRIGGER sms_due_update ON sms_messages`,
    `DROP TRIGGER sms_due_insert ON sms_messages`,
    `DROP TABLE sms_due`,
    `DROP FUNCTION otp_sms_due_update()`,
    `DROP FUNCTION otp_sms_due_insert()`,
    `DROP FUNCTION otp_due_at(sms_messages)`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}
