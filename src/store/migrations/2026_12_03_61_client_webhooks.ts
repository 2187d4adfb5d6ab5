/**
 * Client webhooks: the URL a client registered (with its signing secret, sealed under CODE_SECRET), and the
 * durable queue of status changes to post to it. A change's row is written in the transaction of the change,
 * so a change is never lost and never told when it rolled back. Plain SQL.
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE client_webhooks (
      client_id uuid PRIMARY KEY REFERENCES api_clients (id) ON DELETE CASCADE,
      url text NOT NULL,
      secret_sealed text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE TABLE webhook_deliveries (
      -- The event's id: the same on every attempt, so a receiver can drop a repeat.
      id uuid PRIMARY KEY,
      -- The order changes were queued in: one subject's changes are posted in this order.
      seq bigint GENERATED ALWAYS AS IDENTITY,
      -- A removed webhook takes its queue with it.
      client_id uuid NOT NULL REFERENCES client_webhooks (client_id) ON DELETE CASCADE,
      -- verification.<status> or message.<status>
      event_type text NOT NULL,
      subject_id uuid NOT NULL,
      -- The verification or message as the change left it (json keeps the key order).
      data json NOT NULL,
      -- pending -> delivering (leased) -> delivered | failed (given up); back to pending for a retry.
      status text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      lease_until timestamptz,
      claim_id uuid,
      last_status_code integer,
      last_error text,
      created_at timestamptz NOT NULL,
      delivered_at timestamptz,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
      WHERE status IN ('pending', 'delivering');
    -- A subject's unfinished changes, so a later one waits for the earlier (posted in order).
    CREATE INDEX webhook_deliveries_subject_idx ON webhook_deliveries (client_id, subject_id, seq)
      WHERE status IN ('pending', 'delivering');
    CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (updated_at)
      WHERE status IN ('delivered', 'failed');
    -- The expiry sweep writes 'expired' on pending verifications past their expiry (a change clients are told).
    CREATE INDEX verifications_pending_expiry_idx ON verifications (expires_at) WHERE status = 'pending';
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `DROP INDEX verifications_pending_expiry_idx;
    DROP TABLE webhook_deliveries;
    DROP TABLE client_webhooks;`,
  );
}
