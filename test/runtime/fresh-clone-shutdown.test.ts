/**
 * What an operator does: a fresh clone, `npm ci`, `npm start`; then the supervisor's SIGTERM to the process it
 * started while 20 requests are in flight. Every one is answered, the whole process tree goes within the
 * drain plus 10 s, and the port is free again. (The clone is of HEAD: commit before running this locally.)
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';

const run = promisify(execFile);
const REPO = process.cwd();
const SKIP = existsSync(join(REPO, '.git')) ? false : 'not a git checkout: nothing to clone';
const KEY = 'shutdown-test-key-0123456789abcdef';
const DRAIN_SECONDS = 2;

/** Resolves with the first stdout line that matches; rejects if the process exits first. */
function lineFrom(child: ChildProcess, output: string[], pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const line = output.find((candidate) => pattern.test(candidate));
      if (line === undefined) return false;
      resolve(line);
      return true;
    };
    if (look()) return;
    const onData = () => {
      if (look()) child.stdout?.off('data', onData);
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before ${pattern}`)));
  });
}

/** A POST sent up to half its body: in flight until the rest is written. */
function halfSentStart(port: number, n: number) {
  const body = JSON.stringify({ to: `+97150${String(3_000_000 + n)}`, purpose: 'login' });
  const socket: Socket = connect(port, '127.0.0.1');
  const connected = new Promise((resolve) => socket.once('connect', resolve));
  const reply = new Promise<string>((resolve, reject) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.once('end', () => resolve(text));
    socket.once('error', reject);
  });
  socket.write(
    `POST /v1/verifications HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body.slice(0, 10),
  );
  // The rest written, not ended: a client that half-closes first is answered by none of Node's servers (they
  // abort a request whose connection ends before its reply is written). The reply says Connection: close.
  return { connected, finish: () => socket.write(body.slice(10)), reply };
}

function gone(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe.skipIf(SKIP !== false)(`a fresh clone started with npm start${SKIP ? ` — ${SKIP}` : ''}`, () => {
  const clone = mkdtempSync(join(tmpdir(), 'otpgate-clone-'));
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    await run('git', ['clone', '--quiet', REPO, clone]);
    await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: clone,
      maxBuffer: 64 * 1024 * 1024,
    });
  }, 300_000);
  afterAll(() => {
    if (child?.pid !== undefined && !gone(child.pid)) process.kill(-child.pid, 'SIGKILL');
    rmSync(clone, { recursive: true, force: true });
  });

  it('answers all 20 requests in flight at SIGTERM, then the process tree exits 0 and frees the port', async () => {
    const port = await freePort();
    const output: string[] = [];
    // Its own process group, as under a supervisor: the whole tree can be looked for afterwards.
    child = spawn('npm', ['start'], {
      cwd: clone,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: join(clone, 'data'),
        BOOTSTRAP_CLIENT: `shop:${KEY}`,
        SHUTDOWN_DRAIN_SECONDS: String(DRAIN_SECONDS),
        LOG_LEVEL: 'info',
      },
    });
    const pid = child.pid ?? 0;
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      output.push(...lines);
    });
    const exited = new Promise<number | null>((resolve) => child?.once('exit', resolve));
    await lineFrom(child, output, /otpgate listening/);

    const requests = Array.from({ length: 20 }, (_, n) => halfSentStart(port, n));
    await Promise.all(requests.map((request) => request.connected));
    process.kill(pid, 'SIGTERM');
    await lineFrom(child, output, /shutting down: draining/);
    const signalledAt = Date.now();
    for (const request of requests) request.finish();
    const replies = await Promise.all(requests.map((request) => request.reply));

    expect(replies.map((reply) => reply.split('\r\n')[0])).toEqual(
      Array.from({ length: 20 }, () => 'HTTP/1.1 201 Created'),
    );
    expect(replies.every((reply) => /\r\nconnection: close\r\n/i.test(reply))).toBe(true);
    expect(await exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan((DRAIN_SECONDS + 10) * 1000);
    expect(gone(pid)).toBe(true);
    const free = createServer();
    await new Promise<void>((resolve, reject) => {
      free.once('error', reject);
      free.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => free.close(resolve));
  }, 120_000);
});
