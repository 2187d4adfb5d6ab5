/**
 * Opens the database the environment names, as the server would, for one command, and closes it after.
 * Every way that can fail becomes a CommandError saying which database and why, without a stack trace.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Config } from '../config.js';
import {
  describeDatabase,
  openDatabase,
  pendingMigrations,
  reasonOf,
  type OpenedDatabase,
} from '../store/connect.js';
import type { Database } from '../store/database.js';
import { PgliteInUseError } from '../store/pglite-lock.js';
import { CommandError } from './command.js';

async function open(config: Config): Promise<OpenedDatabase> {
  try {
    return await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (error) {
    if (error instanceof PgliteInUseError) throw new CommandError(error.message, { cause: error });
    throw new CommandError(`Cannot open ${describeDatabase(config)}: ${reasonOf(error)}`, { cause: error });
  }
}

/**
 * Runs the work on the database. `schema: 'current'` first checks that no migration is pending: the
 * CLI never changes the schema behind a deploy's back, only `otpgate migrate` does.
 */
export async function withDatabase<T>(
  config: Config,
  schema: 'current' | 'any',
  work: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  // Opening PGlite where there is none would create an empty database: most likely DATA_DIR is not the server's.
  if (
    schema === 'current' &&
    config.databaseUrl === undefined &&
    !existsSync(join(config.dataDir, 'pglite'))
  ) {
    throw new CommandError(
      `There is no PGlite database in ${config.dataDir} (DATA_DIR): point DATA_DIR (or DATABASE_URL) at ` +
        `the server's, or run "otpgate migrate" to create one.`,
    );
  }
  const { db } = await open(config);
  try {
    try {
      await sql`select 1`.execute(db);
    } catch (error) {
      throw new CommandError(`Cannot reach ${describeDatabase(config)}: ${reasonOf(error)}`, {
        cause: error,
      });
    }
    if (schema === 'current') {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) {
        throw new CommandError(
          `The schema of ${describeDatabase(config)} is not up to date (${pending.length} migration(s) to ` +
            `apply): run "otpgate migrate" first (the server also migrates when it starts).`,
        );
      }
    }
    return await work(db);
  } finally {
    await db.destroy().catch(() => undefined);
  }
}
