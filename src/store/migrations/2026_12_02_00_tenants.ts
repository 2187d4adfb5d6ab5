/**
 * Tenants: the clients of one organisation share its customers, verifications and messages, and no
 * other client sees them. Each existing client becomes a tenant of its own (named by its code); rows
 * a client wrote move to its tenant, rows written with no client (a face whose authentication is off)
 * to the unnamed tenant ''. Email and phone are unique per tenant. Phone guards count per tenant, with
 * one row per phone under the tenant '*' for the ceiling across tenants. Password budgets, one per
 * customer (and per unknown identity, so that a lock-out tells nobody who exists).
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE api_clients ADD COLUMN tenant text;
    UPDATE api_clients SET tenant = code;
    ALTER TABLE api_clients ALTER COLUMN tenant SET NOT NULL;

    ALTER TABLE customers ADD COLUMN tenant text NOT NULL DEFAULT '';
    UPDATE customers AS c SET tenant = a.tenant FROM api_clients AS a WHERE a.id = c.client_id;
    ALTER TABLE customers ALTER COLUMN tenant DROP DEFAULT;
    DROP INDEX customers_email_key;
    DROP INDEX customers_phone_key;
    CREATE UNIQUE INDEX customers_email_key ON customers (tenant, lower(email));
    CREATE UNIQUE INDEX customers_phone_key ON customers (tenant, phone);
    CREATE TABLE password_budgets (
      subject text PRIMARY KEY,
      failures integer NOT NULL DEFAULT 0,
      locks integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      updated_at timestamptz NOT NULL
    );

    ALTER TABLE verifications ADD COLUMN tenant text NOT NULL DEFAULT '';
    UPDATE verifications AS v SET tenant = a.tenant FROM api_clients AS a WHERE a.id = v.client_id;
    ALTER TABLE verifications ALTER COLUMN tenant DROP DEFAULT;

    ALTER TABLE sms_messages ADD COLUMN tenant text NOT NULL DEFAULT '';
    UPDATE sms_messages AS m SET tenant = a.tenant FROM api_clients AS a WHERE a.id = m.client_id;
    ALTER TABLE sms_messages ALTER COLUMN tenant DROP DEFAULT;

    -- Old guards counted every client's failures together: they become the ceilings across tenants,
    -- so a phone locked now stays locked.
    ALTER TABLE phone_guards DROP CONSTRAINT phone_guards_pkey;
    ALTER TABLE phone_guards ADD COLUMN tenant text NOT NULL DEFAULT '*';
    ALTER TABLE phone_guards ALTER COLUMN tenant DROP DEFAULT;
    ALTER TABLE phone_guards ADD PRIMARY KEY (phone, tenant);
    ALTER TABLE phone_guards ADD COLUMN window_started_at timestamptz;
    UPDATE phone_guards SET window_started_at = updated_at;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    DELETE FROM phone_guards;
    ALTER TABLE phone_guards DROP CONSTRAINT phone_guards_pkey;
    ALTER TABLE phone_guards DROP COLUMN window_started_at;
    ALTER TABLE phone_guards DROP COLUMN tenant;
    ALTER TABLE phone_guards ADD PRIMARY KEY (phone);
    ALTER TABLE sms_messages DROP COLUMN tenant;
    ALTER TABLE verifications DROP COLUMN tenant;
    DROP TABLE password_budgets;
    DROP INDEX customers_email_key;
    DROP INDEX customers_phone_key;
    ALTER TABLE customers DROP COLUMN tenant;
    CREATE UNIQUE INDEX customers_email_key ON customers (lower(email));
    CREATE UNIQUE INDEX customers_phone_key ON customers (phone);
    ALTER TABLE api_clients DROP COLUMN tenant;
  `,
  );
}
