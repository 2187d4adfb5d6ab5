/**
 * One process at a time in a PGlite directory. PGlite takes no lock of its own: a second process opening
 * the same files succeeds, and the two then overwrite each other's pages (tried with 0.5: both open, both
 * write, no error). So each opener holds DATA_DIR/pglite.lock, naming its process and host, while open.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

interface LockHolder {
  pid: number;
  host: string;
  since: string;
  /** Tells this opener's lock from a later one's, so a late release never removes another's. */
  token: string;
}

export class PgliteInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    holder: LockHolder | undefined,
  ) {
    const who =
      holder === undefined
        ? 'another process'
        : `process ${holder.pid} on ${holder.host} (since ${holder.since})`;
    super(
      `The PGlite database in ${dataDir} is open in ${who}: is the otpgate server running? PGlite can be ` +
        'opened by one process at a time, so stop the server first (or use PostgreSQL through DATABASE_URL, ' +
        `which any number of processes can share). If no such process runs any more, remove ${lockFile}.`,
    );
    this.name = 'PgliteInUseError';
  }
}

/** Directories this process holds: a lock naming our pid that is not in here is from an earlier life. */
const heldHere = new Set<string>();

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return { pid: parsed.pid, host: parsed.host, since: String(parsed.since), token: String(parsed.token) };
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a lock was left by a process that is gone. Only decidable on this host: another host (or
 * container) sharing the directory may still be running. Our own pid not held here is a restarted
 * container's pid 1 finding its previous life's lock.
 */
function isStale(holder: LockHolder, file: string): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return !heldHere.has(file);
  return !isRunning(holder.pid);
}

/** False when the file exists already. */
function createLockFile(file: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

function removeLockFile(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Takes the directory's lock, or throws PgliteInUseError; the returned function gives it back. */
export function lockPgliteDir(dataDir: string): () => void {
  const file = join(dataDir, 'pglite.lock');
  const mine: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  if (!createLockFile(file, mine)) {
    const holder = readHolder(file);
    // An unreadable lock may be one being written this instant: only a readable, stale one is taken over.
    if (holder === undefined || !isStale(holder, file)) throw new PgliteInUseError(dataDir, file, holder);
    removeLockFile(file);
    if (!createLockFile(file, mine)) throw new PgliteInUseError(dataDir, file, readHolder(file));
  }
  heldHere.add(file);
  const release = () => {
    process.off('exit', release);
    heldHere.delete(file);
    if (readHolder(file)?.token === mine.token) removeLockFile(file);
  };
  // A process that exits without closing the database (an uncaught error) still gives the lock back.
  process.on('exit', release);
  return release;
}
