/**
 * Redis away: the rate limits count in this node's memory at once (no request waits for a reconnect), the
 * outage is one warning line, /healthz stays 200 and says so, and the shared counts resume by themselves.
 */
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniquePhone, type Harness } from '../support/harness.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const redisUrl = process.env.TEST_REDIS_URL || undefined;
const pglite = backends[0]!.backend;
/** A ceiling, not a pace: generous for a busy 2-core CI machine. */
const CEILING_MS = 15_000;

/** A port nothing listens on: opened, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + CEILING_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An address of its own per run: counts kept in a shared Redis outlive the test process. */
const freshAddress = () => `198.51.100.${randomInt(1, 255)}`;

const startVerification = (h: Harness, remoteAddress: string) =>
  h.app.http.inject({
    method: 'POST',
    url: '/v1/verifications',
    headers: AUTH,
    payload: { to: uniquePhone() },
    remoteAddress,
  });

const redisOf = async (h: Harness) =>
  (await h.app.http.inject({ method: 'GET', url: '/healthz' })).json<{ redis?: string }>().redis;

const redisWarnings = (h: Harness) => h.logs.filter((line) => line.includes('redis unavailable'));

describe('with Redis unreachable', () => {
  const harnesses: Harness[] = [];
  afterAll(async () => Promise.all(harnesses.map((h) => h.close())));

  it('answers every request at once, limited from this node’s memory, and warns once with the error code', async () => {
    const h = await startHarness(pglite, {
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
      RATE_LIMIT_IP_PER_MINUTE: '5',
    });
    harnesses.push(h);
    const address = freshAddress();

    // Waiting on reconnects took 2.7-8 s a request: thirty of them would take minutes, not this ceiling.
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await startVerification(h, address)).statusCode);
    expect(Date.now() - started).toBeLessThan(CEILING_MS);

    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
    const warnings = redisWarnings(h);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"redisError":"ECONNREFUSED"');
    expect(warnings[0]).not.toContain('"stack"');

    const health = await h.app.http.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', database: 'pglite', redis: 'unavailable' });
  });
});

describe.skipIf(redisUrl === undefined)(
  `with Redis going away and coming back${redisUrl === undefined ? ' — Redis tests skipped: TEST_REDIS_URL is not set (no server on this machine)' : ''}`,
  () => {
    let proxy: TcpProxy;
    let h: Harness;
    afterAll(async () => {
      await h?.close();
      await proxy?.close();
    });

    it('keeps limiting in memory while Redis is away, and shares counts again once it returns', async () => {
      proxy = await startTcpProxy(redisUrl!);
      h = await startHarness(pglite, { REDIS_URL: proxy.url, RATE_LIMIT_IP_PER_MINUTE: '3' });
      await eventually(async () => (await redisOf(h)) === 'ok', 'redis ok in /healthz');

      proxy.cutAll();
      await proxy.refuse();
      await eventually(async () => (await redisOf(h)) === 'unavailable', 'redis unavailable in /healthz');
      const away = freshAddress();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await startVerification(h, away)).statusCode);
      expect(statuses).toEqual([201, 201, 201, 429]);
      // The link's close makes Redis unavailable; the warning comes with the first reconnect refused, a
      // moment later: waited for, then counted (once, however many requests came meanwhile).
      await eventually(async () => redisWarnings(h).length > 0, 'the redis warning');
      expect(redisWarnings(h)).toHaveLength(1);

      await proxy.accept();
      await eventually(async () => (await redisOf(h)) === 'ok', 'redis ok again in /healthz');
      expect(h.logs.some((line) => line.includes('redis reachable again'))).toBe(true);
      expect((await startVerification(h, freshAddress())).statusCode).toBe(201);
    });
  },
);
