/**
 * menu.app's X-Request-ID replays become every face's request claims (the native Idempotency-Key too), and a
 * reply keeps the headers that matter with it, not only its content type. Plain SQL.
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE menuapp_requests RENAME TO request_claims;
    ALTER TABLE request_claims RENAME CONSTRAINT menuapp_requests_pkey TO request_claims_pkey;
    ALTER INDEX menuapp_requests_claimed_idx RENAME TO request_claims_claimed_idx;
    -- Stripe takes idempotency keys of up to 255 characters.
    ALTER TABLE request_claims ALTER COLUMN request_id TYPE varchar(255);
    -- A JSON object of the reply's kept headers (content-type, location...), by lower-case name.
    ALTER TABLE request_claims ADD COLUMN headers text;
    UPDATE request_claims SET headers = json_build_object('content-type', content_type)::text
      WHERE content_type IS NOT NULL;
    ALTER TABLE request_claims DROP COLUMN content_type;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE request_claims ADD COLUMN content_type text;
    UPDATE request_claims SET content_type = (headers::json)->>'content-type' WHERE headers IS NOT NULL;
    ALTER TABLE request_claims DROP COLUMN headers;
    DELETE FROM request_claims WHERE length(request_id) > 200;
    ALTER TABLE request_claims ALTER COLUMN request_id TYPE varchar(200);
    ALTER INDEX request_claims_claimed_idx RENAME TO menuapp_requests_claimed_idx;
    ALTER TABLE request_claims RENAME CONSTRAINT request_claims_pkey TO menuapp_requests_pkey;
    ALTER TABLE request_claims RENAME TO menuapp_requests;
  `,
  );
}
