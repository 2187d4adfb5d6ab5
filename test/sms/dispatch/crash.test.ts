/**
 * A dispatching node killed with SIGKILL mid-run and started again: every message reaches the SMSC once, or
 * twice where the SMSC had accepted it but the node died before recording that (its row still 'sending'). Those
 * are counted, and bounded by what one node has in flight (SMS_CONCURRENCY, here the SMPP window) and as many
 * sends again whose slots went to the next message while their records waited for a statement.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createSecretBox } from '../../../src/domain/secret-box.js';
import { migrateToLatest } from '../../../src/store/connect.js';
import { openPglite } from '../../../src/store/pglite.js';
import { backends, serverUrl, type TestDatabase, seedPgliteDataDir } from '../../support/database.js';
import { enqueueTexts } from '../../support/outbox.js';
import { startSmppServer, type TestSmppServer } from '../../support/smpp-server.js';

const MESSAGES = 500;
const WINDOW = 10;
const NODES = 1;
const CODE_SECRET = 'crash-test-secret-that-is-long-enough-0123';
/** The SMSC takes 100 submits a second: a full run lasts about five, so the kill lands mid-run. */
const TPS = 100;
const KILL_AFTER_SUBMITS = 150;

const destination = (n: number) => `+97150${String(1_000_000 + n).slice(1)}`;

/** Read-only access for the checks: raw SQL on whichever database the node used. */
interface OpenedForChecks {
  rows<T>(query: string): Promise<T[]>;
  close(): Promise<void>;
}

describe('a dispatching process killed mid-run', () => {
  const onServer = serverUrl !== undefined;
  let dataDir: string;
  let serverDb: TestDatabase | undefined;
  let smsc: TestSmppServer;
  const children = new Set<ChildProcess>();

  /** PGlite: one process at a time, so the test opens the data dir only while no node runs. */
  async function openForChecks(): Promise<OpenedForChecks> {
    const db = serverDb?.opened.db ?? (await openPglite(dataDir));
    return {
      rows: async (query) => (await sql.raw(query).execute(db)).rows as never,
      close: async () => {
        if (serverDb === undefined) await db.destroy();
      },
    };
  }

  function startNode(): { child: ChildProcess; exited: Promise<number | null>; output: string[] } {
    const output: string[] = [];
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/dispatch-process.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATA_DIR: dataDir,
        DATABASE_URL: serverDb?.url ?? '',
        CODE_SECRET,
        LOG_LEVEL: 'warn',
        SMS_PROVIDERS: smsc.url({ source_addr: 'OTPGATE', tps: TPS, window: WINDOW }),
        SMS_CONCURRENCY: String(WINDOW),
        SMS_LEASE_SECONDS: '5',
        SMS_POLL_MS: '50',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        children.delete(child);
        resolve(code);
      }),
    );
    return { child, exited, output };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'otpgate-crash-'));
    const server = backends.find(({ backend }) => backend.name === 'postgres');
    if (onServer && server) serverDb = await server.backend.open();
    smsc = await startSmppServer({ systemId: 'otpgate', password: 'secret', receiptMode: 'none' });

    if (serverDb === undefined) seedPgliteDataDir(dataDir);
    const db = serverDb?.opened.db ?? (await openPglite(dataDir));
    await migrateToLatest(db);
    const now = new Date();
    const texts = Array.from({ length: MESSAGES }, (_, n) => ({
      to: destination(n),
      text: `Your otpgate code is ${String(100_000 + n)}`,
      expiresAt: new Date(now.getTime() + 3_600_000),
    }));
    // Sealed under the nodes' CODE_SECRET, as their own domain would seal them.
    await enqueueTexts(db, createSecretBox(Buffer.from(CODE_SECRET, 'utf8')), texts, now);
    if (serverDb === undefined) await db.destroy();
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await smsc?.close();
    await serverDb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`delivers each of ${MESSAGES} messages once, or once more only where the reply was lost (on ${onServer ? 'PostgreSQL' : 'PGlite'})`, async () => {
    const first = startNode();
    await smsc.waitFor(() => smsc.submits.length >= KILL_AFTER_SUBMITS, 'submits before the kill', 30_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();

    // What the dead node left behind: rows it had claimed and not recorded, and what the SMSC took of them.
    const atKill = await openForChecks();
    const sendingAtKill = new Set(
      (
        await atKill.rows<{ recipient: string }>(
          "SELECT recipient FROM sms_messages WHERE status = 'sending'",
        )
      ).map((row) => row.recipient),
    );
    const [sent] = await atKill.rows<{ count: number }>(
      "SELECT count(*)::int AS count FROM sms_messages WHERE status = 'sent'",
    );
    const sentAtKill = sent?.count ?? 0;
    await atKill.close();
    const acceptedAtKill = new Set(smsc.submits.map((part) => `+${part.destination}`));
    const acceptedButUnrecorded = [...sendingAtKill].filter((to) => acceptedAtKill.has(to));
    expect(sentAtKill).toBeGreaterThan(0);
    expect(sentAtKill).toBeLessThan(MESSAGES);

    const second = startNode();
    const distinct = () => new Set(smsc.submits.map((part) => part.destination)).size;
    await smsc.waitFor(() => distinct() === MESSAGES, 'every message at the SMSC', 40_000);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output.join('')).toBe(0);

    const after = await openForChecks();
    const statuses = await after.rows<{ recipient: string; status: string }>(
      'SELECT recipient, status FROM sms_messages',
    );
    await after.close();
    expect(statuses.filter((row) => row.status !== 'sent')).toEqual([]);

    const timesReceived = new Map<string, number>();
    for (const part of smsc.submits) {
      const to = `+${part.destination}`;
      timesReceived.set(to, (timesReceived.get(to) ?? 0) + 1);
    }
    expect(timesReceived.size).toBe(MESSAGES);
    const twice = [...timesReceived].filter(([, count]) => count > 1).map(([to]) => to);
    expect([...timesReceived.values()].every((count) => count <= 2)).toBe(true);
    // Only a message the SMSC took while its row still said 'sending' may arrive twice.
    expect(twice.every((to) => acceptedButUnrecorded.includes(to))).toBe(true);
    expect(acceptedButUnrecorded.length).toBeLessThanOrEqual(2 * WINDOW * NODES);
    console.info(
      `crash test: ${sentAtKill} recorded before the kill, ${acceptedButUnrecorded.length} accepted but unrecorded, ${twice.length} delivered twice`,
    );
  }, 60_000);
});
