/**
 * Embedded PGlite: one Postgres in-process, data in $DATA_DIR/pglite, spoken to through Kysely's
 * Postgres dialect and this small driver. PGlite has a single session, so each Kysely connection
 * (and with it each transaction) holds it exclusively until released: otherwise two concurrent
 * transactions would interleave their statements in one session. (kysely-pglite's driver shares
 * the session and reports no affected-row counts, which conditional updates rely on.)
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from 'kysely';
import type { Database } from './database.js';
import { lockPgliteDir } from './pglite-lock.js';
import { observeStatements, type StatementObserver } from './statements.js';

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly client: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.client.query<R>(query.sql, [...query.parameters]);
    return result.affectedRows === undefined
      ? { rows: result.rows }
      : { rows: result.rows, numAffectedRows: BigInt(result.affectedRows) };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not stream query results');
  }
}

class ExclusivePgliteDriver implements Driver {
  readonly #connection: PgliteConnection;
  /** Resolves when the connection is free: each acquire chains onto the previous release. */
  #tail: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(
    private readonly client: PGlite,
    private readonly releaseDir: () => void,
  ) {
    this.#connection = new PgliteConnection(client);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#release = release;
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('BEGIN'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  async destroy(): Promise<void> {
    try {
      await this.client.close();
    } finally {
      this.releaseDir();
    }
  }
}

/**
 * PGlite's buffers live in the node process's WebAssembly heap: 16 MB of shared buffers instead of Postgres'
 * 128 MB default takes ~140 MiB off the resident size of a node started on it (measured: 784 -> 646 MiB with
 * 50k rows). One session and a small data set need no more; the operating system still caches the files.
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

export interface PgliteOpenOptions {
  /** A data directory dumped by PGlite (dumpDataDir) to start from, instead of an empty cluster. */
  loadDataDir?: Blob;
  /** Told of every statement sent (tests count a request's round trips). */
  onStatement?: StatementObserver;
}

/** dataDir undefined = in memory (tests). Throws PgliteInUseError when another process has the directory open. */
export async function openPglite(
  dataDir: string | undefined,
  options: PgliteOpenOptions = {},
): Promise<Kysely<Database>> {
  let location = 'memory://';
  let releaseDir = () => {};
  if (dataDir !== undefined) {
    location = join(dataDir, 'pglite');
    mkdirSync(location, { recursive: true });
    releaseDir = lockPgliteDir(dataDir);
  }
  let client: PGlite;
  try {
    client = await PGlite.create(location, { loadDataDir: options.loadDataDir, startParams: START_PARAMS });
  } catch (error) {
    releaseDir();
    throw error;
  }
  const db = new Kysely<Database>({
    dialect: observeStatements(
      {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new ExclusivePgliteDriver(client, releaseDir),
        createIntrospector: (db) => new PostgresIntrospector(db),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
      options.onStatement,
    ),
  });
  // Kysely's destroy() skips a driver never used: use it once, so destroy() always closes PGlite and the lock.
  await db.connection().execute(async () => undefined);
  return db;
}
