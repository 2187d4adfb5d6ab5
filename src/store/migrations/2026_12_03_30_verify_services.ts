/**
 * Verification services (Twilio Verify's), one tenant's each, and what a verification carries for the vendor
 * faces: its service, the name its texts carry, its code length, its SMS Retriever app hash and how many texts
 * it may send (a Vonage workflow's steps). A deleted service's verifications stay, without it.
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE verify_services (
      id uuid PRIMARY KEY,
      tenant text NOT NULL,
      friendly_name text NOT NULL,
      code_length integer,
      custom_code_enabled boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX verify_services_tenant_idx ON verify_services (tenant, id);

    ALTER TABLE verifications ADD COLUMN service_id uuid REFERENCES verify_services (id) ON DELETE SET NULL;
    ALTER TABLE verifications ADD COLUMN brand text;
    ALTER TABLE verifications ADD COLUMN code_length integer;
    ALTER TABLE verifications ADD COLUMN app_hash text;
    ALTER TABLE verifications ADD COLUMN max_sends integer;
    CREATE INDEX verifications_service_pending_idx ON verifications (service_id) WHERE status = 'pending';
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    DROP INDEX verifications_service_pending_idx;
    ALTER TABLE verifications DROP COLUMN max_sends;
    ALTER TABLE verifications DROP COLUMN app_hash;
    ALTER TABLE verifications DROP COLUMN code_length;
    ALTER TABLE verifications DROP COLUMN brand;
    ALTER TABLE verifications DROP COLUMN service_id;
    DROP TABLE verify_services;
  `,
  );
}
