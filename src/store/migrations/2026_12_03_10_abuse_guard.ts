/**
 * Abuse resistance: the SMS-pumping guard's counts (per tenant, prefix and minute) and blocks, the
 * operator's safe list, send budgets (per tenant and period), security events, and the countries each API
 * client may text (null: SMS_COUNTRIES).
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE send_counts (
      tenant text NOT NULL,
      prefix text NOT NULL,
      bucket timestamptz NOT NULL,
      sent integer NOT NULL DEFAULT 0,
      approved integer NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant, prefix, bucket)
    );
    CREATE INDEX send_counts_bucket ON send_counts (bucket);

    -- tenant '*': an operator's block or safe entry for every tenant.
    CREATE TABLE prefix_blocks (
      tenant text NOT NULL,
      prefix text NOT NULL,
      blocked_until timestamptz,
      repeats integer NOT NULL DEFAULT 0,
      source text NOT NULL,
      reason text NOT NULL,
      blocked_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (tenant, prefix)
    );

    CREATE TABLE safe_prefixes (
      tenant text NOT NULL,
      prefix text NOT NULL,
      note text,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant, prefix)
    );

    CREATE TABLE send_budgets (
      tenant text NOT NULL,
      scope text NOT NULL,
      period_start timestamptz NOT NULL,
      sent integer NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant, scope, period_start)
    );

    CREATE TABLE security_events (
      id bigserial PRIMARY KEY,
      type text NOT NULL,
      tenant text,
      client_id uuid,
      ip text,
      subject text,
      summary text NOT NULL,
      figures jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX security_events_tenant ON security_events (tenant, id);
    CREATE INDEX security_events_created ON security_events (created_at);

    ALTER TABLE api_clients ADD COLUMN sms_countries text;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE api_clients DROP COLUMN sms_countries;
    DROP TABLE security_events;
    DROP TABLE send_budgets;
    DROP TABLE safe_prefixes;
    DROP TABLE prefix_blocks;
    DROP TABLE send_counts;
  `,
  );
}
