/** The client that registered a customer: only it may vouch for that customer (a phone change without password). */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'ALTER TABLE customers ADD COLUMN client_id uuid REFERENCES api_clients (id);');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'ALTER TABLE customers DROP COLUMN client_id;');
}
