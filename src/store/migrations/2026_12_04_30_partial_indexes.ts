/**
 * Two indexes of `verifications` every start wrote to for nothing: most verifications name no customer (a
 * start by number) and no verify service (the native face), and a btree indexes NULLs too. Indexed only where
 * they are set, a native start writes 5 index entries instead of 7. A look-up by customer or service (their
 * foreign keys' checks on delete, a service's pending codes) names a value, which implies IS NOT NULL, so the
 * planner still uses them. The service's index also covers every status now: a service deleted sets NULL in
 * all its verifications, not only the pending ones, which the old partial index left to a scan.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX verifications_customer_idx`.execute(db);
  await sql`CREATE INDEX verifications_customer_idx ON verifications (customer_id) WHERE customer_id IS NOT NULL`.execute(
    db,
  );
  await sql`DROP INDEX verifications_service_pending_idx`.execute(db);
  await sql`CREATE INDEX verifications_service_idx ON verifications (service_id, status) WHERE service_id IS NOT NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX verifications_service_idx`.execute(db);
  await sql`CREATE INDEX verifications_service_pending_idx ON verifications (service_id) WHERE status = 'pending'`.execute(
    db,
  );
  await sql`DROP INDEX verifications_customer_idx`.execute(db);
  await sql`CREATE INDEX verifications_customer_idx ON verifications (customer_id)`.execute(db);
}
