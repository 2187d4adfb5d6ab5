/**
 * Embedded PGlite: one Postgres in-process, data in $DATA_DIR/pglite, spoken to through Kysely's
 * Postgres dialect and this small driver. PGlite has a single session, so each Kysely connection
 * (and with it each transaction) holds it exclusively until released: otherwise two concurrent
 * transactions would interleave their statements in one session. (kysely-pglite's driver shares
 * the session and reports no affected-row counts, which conditional updates rely on.)
 *
 * PGlite runs on a worker thread of its own (pglite-worker.mjs): its WebAssembly Postgres then uses a second
 * core instead of taking turns with the service on the main thread, as a PostgreSQL server would
 * (measured under `npm run bench`, docs/benchmarks.md). A statement costs one message each way.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
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

interface PgliteAnswer {
  id: number;
  ok: boolean;
  rows?: unknown[];
  affectedRows?: number;
  error?: Record<string, unknown>;
}

/** An error from the thread as the store knows errors: a message, PostgreSQL's code and constraint. */
function errorFrom(fields: Record<string, unknown> | undefined): Error {
  const { message, name, ...rest } = fields ?? {};
  const error = new Error(typeof message === 'string' ? message : 'PGlite failed');
  if (typeof name === 'string') error.name = name;
  return Object.assign(error, rest);
}

/** The package's files, read once per process and handed to each thread (a test run opens a hundred). */
let pgliteFiles: Promise<{ wasmModule: WebAssembly.Module; fsBundle: Blob }> | undefined;
function loadPgliteFiles() {
  pgliteFiles ??= (async () => {
    const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    return {
      // Compiled here once: a thread that compiles its own spends ~0.7 s of CPU before its first statement.
      wasmModule: await WebAssembly.compile(readFileSync(join(dist, 'pglite.wasm'))),
      fsBundle: new Blob([readFileSync(join(dist, 'pglite.data'))]),
    };
  })();
  return pgliteFiles;
}

type PgliteRequest =
  | {
      op: 'open';
      location: string;
      startParams: string[];
      loadDataDir: Blob | undefined;
      wasmModule: WebAssembly.Module;
      fsBundle: Blob;
    }
  | { op: 'query'; sql: string; params: unknown[] }
  | { op: 'close' };

/**
 * Threads whose database was closed, kept for the next open in this process: a new thread's JavaScript
 * starts cold (about half a second more per open, which a test run pays a hundred times).
 */
const idleThreads = new Set<Worker>();
const IDLE_THREADS_KEPT = 2;

function newThread(): Worker {
  const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url));
  const gone = () => idleThreads.delete(worker);
  worker.on('exit', gone).on('error', gone);
  // Idle, a thread keeps no process alive; awaiting an answer, it does (a CLI command's last statement).
  worker.unref();
  return worker;
}

/** A database open on a thread, and its statements that await an answer. */
class PgliteThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<
    number,
    { resolve: (answer: PgliteAnswer) => void; reject: (error: Error) => void }
  >();
  #nextId = 0;
  #gone: Error | undefined;
  readonly #onMessage = (answer: PgliteAnswer) => {
    const waiting = this.#waiting.get(answer.id);
    if (waiting === undefined) return;
    this.#waiting.delete(answer.id);
    if (this.#waiting.size === 0) this.#worker.unref();
    if (answer.ok) waiting.resolve(answer);
    else waiting.reject(errorFrom(answer.error));
  };
  readonly #onError = (error: Error) => this.#fail(error);
  // 57P01 (the server is gone) makes it a database fault: a request gets 503 and /readyz says not ready.
  readonly #onExit = () =>
    this.#fail(Object.assign(new Error('PGlite is closed: its thread ended'), { code: '57P01' }));

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', this.#onMessage).on('error', this.#onError).on('exit', this.#onExit);
  }

  static async open(options: {
    location: string;
    startParams: string[];
    loadDataDir: Blob | undefined;
  }): Promise<PgliteThread> {
    const files = await loadPgliteFiles();
    const idle = idleThreads.values().next().value;
    if (idle !== undefined) idleThreads.delete(idle);
    const thread = new PgliteThread(idle ?? newThread());
    try {
      await thread.#send({ op: 'open', ...options, ...files });
    } catch (error) {
      thread.#detach();
      void thread.#worker.terminate();
      throw error;
    }
    return thread;
  }

  #fail(error: Error): void {
    this.#gone ??= error;
    for (const { reject } of this.#waiting.values()) reject(error);
    this.#waiting.clear();
  }

  #detach(): void {
    this.#gone ??= new Error('PGlite is closed');
    this.#worker.off('message', this.#onMessage).off('error', this.#onError).off('exit', this.#onExit);
    this.#worker.unref();
  }

  #send(request: PgliteRequest): Promise<PgliteAnswer> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      if (this.#waiting.size === 1) this.#worker.ref();
      this.#worker.postMessage({ id, ...request });
    });
  }

  query(sql: string, params: unknown[]): Promise<PgliteAnswer> {
    return this.#send({ op: 'query', sql, params });
  }

  async close(): Promise<void> {
    if (this.#gone !== undefined) return;
    try {
      await this.#send({ op: 'close' });
    } catch (error) {
      this.#detach();
      await this.#worker.terminate();
      throw error;
    }
    this.#detach();
    if (idleThreads.size < IDLE_THREADS_KEPT) idleThreads.add(this.#worker);
    else await this.#worker.terminate();
  }
}

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly client: PgliteThread) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.client.query(query.sql, [...query.parameters]);
    const rows = result.rows as R[];
    return result.affectedRows === undefined
      ? { rows }
      : { rows, numAffectedRows: BigInt(result.affectedRows) };
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
    private readonly client: PgliteThread,
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
const START_PARAMS = ['-c', 'shared_buffers=16MB'];

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
  let client: PgliteThread;
  try {
    client = await PgliteThread.open({
      location,
      startParams: START_PARAMS,
      loadDataDir: options.loadDataDir,
    });
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
