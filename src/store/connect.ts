/** Picks the driver (PGlite by default, PostgreSQL when DATABASE_URL is set) and runs the migrations. */
import { Migrator, type Kysely } from 'kysely';
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
