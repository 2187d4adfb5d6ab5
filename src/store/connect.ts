/** Picks the driver (PGlite by default, PostgreSQL when DATABASE_URL is set) and runs the migrations. */
import { Migrator, sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';
import { openPglite } from './pglite.js';
import { openPostgres, type PostgresTimeouts } from './postgres.js';

export type DriverName = 'pglite' | 'postgres';

export interface OpenedDatabase {
  db: Kysely<Database>;
  driver: DriverName;
}

export async function openDatabase(options: {
  databaseUrl: string | undefined;
  /** PGlite's directory; undefined keeps PGlite in memory. */
  dataDir: string | undefined;
  /** PostgreSQL only (PGlite runs in-process); none for operator commands, whose migrations may run long. */
  timeouts?: PostgresTimeouts;
}): Promise<OpenedDatabase> {
  if (options.databaseUrl !== undefined) {
    return { db: openPostgres(options.databaseUrl, undefined, options.timeouts), driver: 'postgres' };
  }
  return { db: await openPglite(options.dataDir), driver: 'pglite' };
}

/** Which database, for messages: never the URL itself, which may hold a password. */
export function describeDatabase(config: { databaseUrl: string | undefined; dataDir: string }): string {
  if (config.databaseUrl === undefined) return `the PGlite database in ${config.dataDir} (DATA_DIR)`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname} (DATABASE_URL)`;
}

/** An error's own words; node-postgres gives an AggregateError with no message when every address refuses. */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return [...new Set(error.errors.map(reasonOf))].join('; ');
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return error.message || code || error.name;
  }
  return String(error);
}

/** The database named cannot be reached at start: one line for the operator, no stack trace. */
export class DatabaseUnreachableError extends Error {}

/** Asks the database for one row; throws DatabaseUnreachableError naming it (never its password) if it cannot. */
export async function reachDatabase(
  db: Kysely<Database>,
  named: { databaseUrl: string | undefined; dataDir: string },
): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    throw new DatabaseUnreachableError(`Cannot reach ${describeDatabase(named)}: ${reasonOf(error)}`, {
      cause: error,
    });
  }
}

export class MigrationError extends Error {}

/** The migrations not yet applied, in order; empty when the schema is current. Changes nothing. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const all = await migrator.getMigrations();
  return all.filter((migration) => migration.executedAt === undefined).map(({ name }) => name);
}

/** Brings the schema up to date; throws (and the start fails loudly) when a migration fails. */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    const name = failed?.migrationName ?? 'unknown';
    throw new MigrationError(
      `Migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
}
