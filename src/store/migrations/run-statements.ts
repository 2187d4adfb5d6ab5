import { sql, type Kysely } from 'kysely';

/**
 * Runs a script of SQL statements one by one: PGlite's extended protocol takes one statement per
 * query. Statements end with ";" at the end of a line.
 */
export async function runStatements(db: Kysely<unknown>, script: string): Promise<void> {
  const statements = script
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement !== '');
  for (const statement of statements) await sql.raw(statement).execute(db);
}
