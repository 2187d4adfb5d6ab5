/**
 * Embedded PGlite: one Postgres in-process, data in $DATA_DIR/pglite, spoken to through Kysely's
 * Postgres dialect and this small driver. PGlite has a single session, so a transaction holds it from
 * BEGIN to its end (SessionTurns): otherwise two concurrent transactions would interleave their statements
 * in one session. (kysely-pglite's driver shares the session and reports no affected-row counts, which
 * conditional updates rely on.)
 *
 * PGlite runs on a worker thread of its own (pglite-worker.mjs): its WebAssembly Postgres then uses a second
 * core instead of taking turns with the service on the main thread, as a PostgreSQL server would
 * (measured under `npm run bench`, docs/benchmarks.md). A statement costs one message each way.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
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

/** A statement's error once its database is closed or its thread gone: 57P01, a database fault (503). */
function closedError(message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { code: '57P01' });
}

/** Ids unique in the process: a thread serves one database after another, and a late answer names its own. */
let nextRequestId = 0;

/** A database open on a thread, and its statements that await an answer. */
class PgliteThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<
    number,
    { resolve: (answer: PgliteAnswer) => void; reject: (error: Error) => void }
  >();
  #gone: Error | undefined;
  #opened = false;
  readonly #onMessage = (answer: PgliteAnswer) => {
    const waiting = this.#waiting.get(answer.id);
    if (waiting === undefined) return;
    this.#waiting.delete(answer.id);
    if (this.#waiting.size === 0) this.#worker.unref();
    if (answer.ok) waiting.resolve(answer);
    else waiting.reject(errorFrom(answer.error));
  };
  readonly #onLost = (reason: Error | number) => {
    // 'error' gives the thread's uncaught error, 'exit' its exit code.
    const lost = closedError(
      typeof reason === 'number' ? `PGlite's thread ended (exit code ${reason})` : "PGlite's thread failed",
      typeof reason === 'number' ? undefined : reason,
    );
    // Said once (its 'error', then its 'exit'); while opening, the open's own failure says it.
    if (this.#gone !== undefined || !this.#opened) return this.#fail(lost);
    this.#fail(lost);
    // The database's state in memory is gone with the thread: the process ends, as it would have had PGlite
    // failed in it, and its supervisor starts it again (PGlite recovers the data directory on open).
    process.nextTick(() => {
      throw lost;
    });
  };

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', this.#onMessage).on('error', this.#onLost).on('exit', this.#onLost);
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
      thread.#opened = true;
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
    this.#fail(closedError('PGlite is closed'));
    this.#worker.off('message', this.#onMessage).off('error', this.#onLost).off('exit', this.#onLost);
    this.#worker.unref();
  }

  #send(request: PgliteRequest): Promise<PgliteAnswer> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    const id = nextRequestId++;
    return new Promise((resolve, reject) => {
      try {
        this.#worker.postMessage({ id, ...request });
      } catch (error) {
        // A parameter that cannot be copied to the thread (a function): this statement fails, nothing else.
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      this.#waiting.set(id, { resolve, reject });
      if (this.#waiting.size === 1) this.#worker.ref();
    });
  }

  query(sql: string, params: unknown[]): Promise<PgliteAnswer> {
    return this.#send({ op: 'query', sql, params });
  }

  /**
   * After the statements sent before it; any sent later fail as closed (the driver closes in turn). The
   * thread is kept for the next open unless endThread (or enough are kept already).
   */
  async close({ endThread = false } = {}): Promise<void> {
    if (this.#gone !== undefined) return;
    const closing = this.#send({ op: 'close' });
    this.#gone = closedError('PGlite is closed');
    try {
      await closing;
    } catch (error) {
      this.#detach();
      await this.#worker.terminate();
      throw error;
    }
    this.#detach();
    if (!endThread && idleThreads.size < IDLE_THREADS_KEPT) idleThreads.add(this.#worker);
    else await this.#worker.terminate();
  }
}

/**
 * The order statements reach PGlite's one session in. A statement on its own takes its turn only to be sent:
 * the next is sent while it runs, so the thread never waits for the service between two (W2 is one
 * statement per request). A transaction keeps the turn from its BEGIN until its COMMIT or ROLLBACK is sent,
 * so no other statement runs inside it. The thread runs what it is sent in order, one at a time.
 */
class SessionTurns {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves with the function that hands the turn on, once every turn taken before has been handed on. */
  async take(): Promise<() => void> {
    const previous = this.#tail;
    let handOn!: () => void;
    this.#tail = new Promise<void>((resolve) => (handOn = resolve));
    await previous;
    return handOn;
  }
}

class PgliteConnection implements DatabaseConnection {
  /** Set from BEGIN until COMMIT or ROLLBACK is sent: this connection's statements then have the turn. */
  #handOn: (() => void) | undefined;

  constructor(
    private readonly client: PgliteThread,
    private readonly turns: SessionTurns,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { sql } = query;
    const params = [...query.parameters];
    let answer: Promise<PgliteAnswer>;
    if (this.#handOn === undefined) {
      const handOn = await this.turns.take();
      answer = this.client.query(sql, params);
      // A transaction keeps the turn; a statement on its own passes it on as soon as it is sent.
      if (sql === 'BEGIN') {
        this.#handOn = handOn;
        answer.catch(() => this.#end());
      } else handOn();
    } else {
      answer = this.client.query(sql, params);
      if (sql === 'COMMIT' || sql === 'ROLLBACK') this.#end();
    }
    const result = await answer;
    const rows = result.rows as R[];
    return result.affectedRows === undefined
      ? { rows }
      : { rows, numAffectedRows: BigInt(result.affectedRows) };
  }

  #end(): void {
    const handOn = this.#handOn;
    this.#handOn = undefined;
    handOn?.();
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not stream query results');
  }
}

class PgliteDriver implements Driver {
  readonly #turns = new SessionTurns();

  constructor(
    private readonly client: PgliteThread,
    private readonly releaseDir: () => void,
  ) {}

  async init(): Promise<void> {}

  /** A connection per use: what keeps statements apart is the turn, taken per statement or per transaction. */
  async acquireConnection(): Promise<DatabaseConnection> {
    return new PgliteConnection(this.client, this.#turns);
  }

  async releaseConnection(): Promise<void> {}

  // The connection knows these three by their text: BEGIN takes the session's turn, COMMIT and ROLLBACK
  // pass it on. (Sent through the connection, so a statement observer counts them as PostgreSQL's do.)
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
    // In turn: a transaction open now ends first (its statements still run); statements after fail as closed.
    const handOn = await this.#turns.take();
    try {
      await this.client.close();
    } finally {
      handOn();
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
  const opening: Parameters<typeof PgliteThread.open>[0] = {
    location,
    startParams: START_PARAMS,
    loadDataDir: options.loadDataDir,
  };
  let client: PgliteThread;
  try {
    if (dataDir !== undefined && !existsSync(join(location, 'PG_VERSION'))) {
      // A new cluster: initdb leaves the thread's WebAssembly memory grown to ~800 MiB resident, which it never
      // gives back. Created on a thread that then ends, the database opens on a fresh one at ~300 MiB.
      await (await PgliteThread.open(opening)).close({ endThread: true });
      // Loaded into the directory by that first open: the second finds it there.
      opening.loadDataDir = undefined;
    }
    client = await PgliteThread.open(opening);
  } catch (error) {
    releaseDir();
    throw error;
  }
  const db = new Kysely<Database>({
    dialect: observeStatements(
      {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new PgliteDriver(client, releaseDir),
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
