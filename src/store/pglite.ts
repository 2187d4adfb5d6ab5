/**
 * Embedded PGlite: one Postgres in-process, data in $DATA_DIR/pglite. PGlite has a single connection,
 * so each Kysely connection (and with it each transaction) holds it exclusively until released:
 * without that, two concurrent transactions would interleave their statements on the same session.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  Kysely,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { KyselyPGlite } from 'kysely-pglite';
import type { Database } from './database.js';

/** kysely-pglite hands back PGlite's result as is: its row count is `affectedRows`, Kysely reads `numAffectedRows`. */
function withAffectedRows(connection: DatabaseConnection): DatabaseConnection {
  return {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const result = (await connection.executeQuery<R>(query)) as QueryResult<R> & { affectedRows?: number };
      return result.affectedRows === undefined
        ? result
        : { rows: result.rows, numAffectedRows: BigInt(result.affectedRows) };
    },
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
  };
}

class ExclusiveConnectionDriver implements Driver {
  #tail: Promise<void> = Promise.resolve();
  readonly #releases = new Map<DatabaseConnection, () => void>();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    let release!: () => void;
    const previous = this.#tail;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    const connection = withAffectedRows(await this.inner.acquireConnection());
    this.#releases.set(connection, release);
    return connection;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.#releases.get(connection);
    this.#releases.delete(connection);
    release?.();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** dataDir undefined = in memory (tests). */
export async function openPglite(dataDir: string | undefined): Promise<Kysely<Database>> {
  let location = 'memory://';
  if (dataDir !== undefined) {
    location = join(dataDir, 'pglite');
    mkdirSync(location, { recursive: true });
  }
  const client = await PGlite.create(location);
  const base = new KyselyPGlite(client).dialect;
  const dialect: Dialect = {
    createAdapter: () => base.createAdapter(),
    createIntrospector: (db) => base.createIntrospector(db),
    createQueryCompiler: () => base.createQueryCompiler(),
    createDriver: () => new ExclusiveConnectionDriver(base.createDriver()),
  };
  return new Kysely<Database>({ dialect });
}
