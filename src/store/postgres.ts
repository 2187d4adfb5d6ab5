/** A PostgreSQL server through a node-postgres pool. */
import {
  Kysely,
  PostgresDialect,
  type PostgresCursor,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
} from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { observeStatements, type StatementObserver } from './statements.js';

// Return bigint counts as numbers: our counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface PostgresTimeouts {
  /** How long opening a connection, or waiting for a free one, may take. */
  connectMs: number;
  /** The server cancels a statement running longer (statement_timeout). */
  statementMs: number;
}

/** Our own wait beyond the server's statement timeout: past it no answer is coming (a partition). */
const QUERY_TIMEOUT_MARGIN_MS = 1_000;

/**
 * A pool client that is not reused after its query timed out on our side: that query may still be on the
 * wire, and every later query on the connection would wait behind it.
 */
class DiscardedWhenStuck implements PostgresPoolClient {
  #stuck: Error | undefined;

  constructor(private readonly client: pg.PoolClient) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== 'string') return this.client.query(sqlOrCursor as never);
    // A transaction's ROLLBACK after the timeout would wait its own timeout out: it fails at once instead.
    if (this.#stuck !== undefined) return Promise.reject(this.#stuck);
    const running = this.client.query(sqlOrCursor, [...(parameters ?? [])]) as unknown as Promise<
      PostgresQueryResult<R>
    >;
    return running.catch((error: unknown) => {
      if (error instanceof Error && error.message === 'Query read timeout') this.#stuck = error;
      throw error;
    });
  }

  release(): void {
    this.client.release(this.#stuck);
  }
}

export function openPostgres(
  databaseUrl: string,
  poolSize = 10,
  timeouts?: PostgresTimeouts,
  onStatement?: StatementObserver,
): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    keepAlive: true,
    ...(timeouts === undefined
      ? {}
      : {
          connectionTimeoutMillis: timeouts.connectMs,
          statement_timeout: timeouts.statementMs,
          query_timeout: timeouts.statementMs + QUERY_TIMEOUT_MARGIN_MS,
        }),
  });
  // A connection that drops must not end the process (an 'error' event nobody listens to does): the query
  // it ran fails on its own and is answered 503, and the pool opens a new connection for the next one.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const clients: PostgresPool = {
    connect: async () => new DiscardedWhenStuck(await pool.connect()),
    end: () => pool.end(),
  };
  return new Kysely<Database>({
    dialect: observeStatements(new PostgresDialect({ pool: clients }), onStatement),
  });
}
