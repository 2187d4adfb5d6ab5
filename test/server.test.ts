import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/free-port.js';

async function waitForHealth(base: string, child: ChildProcess, deadlineMs: number): Promise<Response> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      return await fetch(`${base}/healthz`);
    } catch {
      if (Date.now() > until) throw new Error('server did not answer in time');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('the start command', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-start-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /healthz, /docs and /openapi.json on PGlite, with no database configured', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    delete env.NODE_ENV;
    // What `npm start` runs.
    child = spawn(process.execPath, ['dist/server.js'], { env, stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;

    const health = await waitForHealth(base, child, 45_000);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'pglite' });

    const docs = await fetch(`${base}/docs/`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');

    const openapi = await fetch(`${base}/openapi.json`);
    const document = (await openapi.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/customers', '/v1/verifications/{id}/check', '/v1/messages/{id}']),
    );
  }, 60_000);
});

describe('a start that cannot go on', () => {
  /** Runs dist/server.js to its exit and returns its status and stderr. */
  async function startToExit(env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['dist/server.js'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    return { status, stderr };
  }

  it('says in one line which database it cannot reach, naming the host but not the password', async () => {
    const port = await freePort(); // nothing listens there
    const { status, stderr } = await startToExit({
      DATABASE_URL: `postgres://otpgate:hunter2@127.0.0.1:${port}/otpgate`,
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
      CODE_SECRET: 'x'.repeat(40),
      PORT: '0',
    });

    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^otpgate: Cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/otpgate \\(DATABASE_URL\\): .*ECONNREFUSED`,
        ),
      ),
    ]);
    expect(stderr).not.toContain('hunter2');
  });

  it('lists every configuration problem at once and exits 2', async () => {
    const { status, stderr } = await startToExit({
      NODE_ENV: 'production',
      PORT: 'eighty',
      BOOTSTRAP_CLIENT: 'myapp:change-me-to-a-long-random-key',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'otpgate-start-')),
    });

    expect(status).toBe(2);
    expect(stderr).toMatch(/^Invalid configuration \(\d+ problems\):/);
    for (const variable of ['PORT', 'CODE_SECRET', 'SMS_PROVIDERS', 'BOOTSTRAP_CLIENT']) {
      expect(stderr).toContain(`  - ${variable} `);
    }
  });
});
