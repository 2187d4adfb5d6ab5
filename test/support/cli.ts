/**
 * The operator CLI on a database the test process can also read: PGlite in a temporary DATA_DIR, or a database
 * of its own on the PostgreSQL server. `runCli` runs it as operators do, a process of its own (`node
 * dist/cli/main.js`, built by `npm test`); `runCliHere` runs the same entry (src/cli/run.ts: arguments and
 * environment in, exit status and output out) in this process, for the tests of what the commands do: a process
 * apiece cost seconds each (node's start and PGlite's boot), and test/cli/usage.test.ts and database.test.ts
 * keep the process itself covered.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/database.js';
import { runCli as runCliEntry } from '../../src/cli/run.js';
import { openPglite } from '../../src/store/pglite.js';
import { seedPgliteDataDir, type Backend, type OpenOptions } from './database.js';

export const CLI_SECRET = 'test-secret-that-is-long-enough-0123456789';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** What `npm run cli` runs; bin/otpgate.js is the other way in. */
export const CLI_ENTRY = ['dist/cli/main.js'];

/** Only the variables given, so nothing from the outer shell (a DATABASE_URL) reaches the CLI. */
export function runCli(args: readonly string[], env: Record<string, string>, entry = CLI_ENTRY) {
  const child = spawn(process.execPath, [...entry, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise<CliRun>((resolve, reject) => {
    // A CLI that does not exit (a handle left open) fails the test rather than hanging it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/**
 * The CLI's entry in this process, given only the variables given, its output captured as a process's would be;
 * `terminal`: stderr is a terminal (where progress is a bar redrawn in place).
 */
export async function runCliHere(
  args: readonly string[],
  env: Record<string, string>,
  options: { terminal?: boolean } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const status = await runCliEntry(args, {
    env: { ...env },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: options.terminal ?? false },
  });
  return { status, stdout, stderr };
}

export interface CliDatabase {
  /** DATA_DIR, CODE_SECRET and, on the server, DATABASE_URL: what the CLI process is given. */
  env: Record<string, string>;
  /** Work on the same database from the test process; on PGlite only while no CLI process runs. */
  use<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

export async function openCliDatabase(backend: Backend, options: OpenOptions = {}): Promise<CliDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-cli-'));
  const env = { DATA_DIR: dataDir, CODE_SECRET: CLI_SECRET };
  if (backend.name === 'pglite') {
    if (!options.empty) seedPgliteDataDir(dataDir);
    return {
      env,
      async use(work) {
        // PGlite: one process at a time, so the directory is opened for this work only.
        const db = await openPglite(dataDir);
        try {
          return await work(db);
        } finally {
          await db.destroy();
        }
      },
      async drop() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const database = await backend.open(options);
  return {
    env: { ...env, DATABASE_URL: database.url ?? '' },
    use: (work) => work(database.opened.db),
    async drop() {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
