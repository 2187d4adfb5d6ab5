/**
 * The storage backends every storage test runs on: embedded PGlite always, and a PostgreSQL server
 * when TEST_DATABASE_URL names one (.ci/run sets it where a server answers on 127.0.0.1). On the
 * server each test file works in a database of its own and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openPglite } from '../../src/store/pglite.js';
import { openPostgres } from '../../src/store/postgres.js';
import type { OpenedDatabase } from '../../src/store/connect.js';

export interface TestDatabase {
  opened: OpenedDatabase;
  /** Connection URL, for a child process to open the same database (PostgreSQL only). */
  url: string | undefined;
  drop(): Promise<void>;
}

export interface OpenOptions {
  /** No schema at all, for a test that runs the migrations itself; by default the schema is current. */
  empty?: boolean;
  /** Told of every statement sent, transaction control included. */
  onStatement?: (sql: string) => void;
}

export interface Backend {
  name: 'pglite' | 'postgres';
  open(options?: OpenOptions): Promise<TestDatabase>;
}

export const serverUrl = process.env.TEST_DATABASE_URL || undefined;

let templateDump: Blob | undefined;

/** The migrated cluster test/support/pglite-template.ts made for this run, read once per test process. */
function migratedCluster(): Blob {
  templateDump ??= new Blob([readFileSync(inject('pgliteTemplateDump'))]);
  return templateDump;
}

/** Gives a DATA_DIR the run's migrated PGlite cluster, so a service process started on it skips initdb. */
export function seedPgliteDataDir(dataDir: string): void {
  cpSync(join(inject('pgliteTemplateDir'), 'pglite'), join(dataDir, 'pglite'), { recursive: true });
}

const pgliteBackend: Backend = {
  name: 'pglite',
  async open(options = {}) {
    const db = await openPglite(undefined, {
      ...(options.empty ? {} : { loadDataDir: migratedCluster() }),
      onStatement: options.onStatement,
    });
    return { opened: { db, driver: 'pglite' }, url: undefined, drop: () => db.destroy() };
  },
};

const postgresBackend = (adminUrl: string): Backend => ({
  name: 'postgres',
  async open(options = {}) {
    const name = `otpgate_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const db = openPostgres(url.toString(), 20, undefined, options.onStatement);
    return {
      opened: { db, driver: 'postgres' },
      url: url.toString(),
      async drop() {
        await db.destroy();
        const cleanup = new pg.Client({ connectionString: adminUrl });
        await cleanup.connect();
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await cleanup.end();
      },
    };
  },
});

/** The backends to run on; the server one is listed as skipped (with the reason) when absent. */
export const backends: { backend: Backend; skip: string | false }[] = [
  { backend: pgliteBackend, skip: false },
  serverUrl === undefined
    ? {
        backend: { name: 'postgres', open: () => Promise.reject(new Error('no server')) },
        skip: 'PostgreSQL tests skipped: TEST_DATABASE_URL is not set (no server on this machine)',
      }
    : { backend: postgresBackend(serverUrl), skip: false },
];

/**
 * One backend for the tests of a face's wire contract (its paths, shapes, codes and texts), which the storage
 * under it does not change: PostgreSQL where it runs, else PGlite. Storage is tested on both (test/store,
 * test/api, test/sms, the guard and lock-out tests of test/faces), and each face once on its contract.
 */
export const contractBackends = [serverUrl === undefined ? backends[0]! : backends[1]!];
