/**
 * One row: the check value of the CODE_SECRET this database was first started with (domain/secret-check.ts).
 * The primary key allows only id 1, so two nodes starting at once cannot both keep a value.
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `CREATE TABLE secret_check (
      id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
      value text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );`,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'DROP TABLE secret_check;');
}
