/**
 * PostgreSQL going away under load, through a TCP proxy that cuts, refuses and stalls the link: the process
 * lives, every request is answered 503 with Retry-After in its API's shape (never 500, never a hang), and
 * service comes back by itself when the database does. PGlite runs in-process, so this is PostgreSQL only.
 */
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type TestDatabase } from '../support/database.js';
import { AUTH, startHarness, uniquePhone, type Harness } from '../support/harness.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const server = backends.find(({ backend }) => backend.name === 'postgres')!;
/** Short timeouts, so the partition test is quick; the defaults are 5 s. */
const STATEMENT_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 1_000;
/** A ceiling, not a pace: generous for a busy 2-core CI machine. */
const CEILING_MS = 20_000;

/** Polls until check() holds, a few ms apart, failing after the ceiling. */
async function eventually<T>(check: () => Promise<T | false> | T | false, what: string): Promise<T> {
  const deadline = Date.now() + CEILING_MS;
  for (;;) {
    const value = await check();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The reply, or a failure naming what hung: a request that waits out a partition is the bug. */
async function answeredWithin<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} still unanswered after ${CEILING_MS} ms`)),
      CEILING_MS,
    );
  });
  return Promise.race([work, hung]).finally(() => clearTimeout(timer));
}

describe.skipIf(server.skip !== false)(
  `PostgreSQL faults between the service and its database${server.skip ? ` — ${server.skip}` : ''}`,
  () => {
    let direct: TestDatabase;
    let proxy: TcpProxy;
    let h: Harness;
    beforeAll(async () => {
      direct = await server.backend.open();
      proxy = await startTcpProxy(direct.url!);
      // The app opens its database itself, through the proxy, as DATABASE_URL and the timeouts tell it.
      h = await startHarness(
        { name: 'postgres', open: async () => direct },
        {
          DATABASE_URL: proxy.url,
          DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
          DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        },
        // The dispatcher runs too: it must ride the outage out and send again by itself.
        { database: undefined, startDispatcher: true },
      );
    });
    afterAll(async () => {
      await h?.close();
      await proxy?.close();
    });

    const startVerification = (to = uniquePhone()) =>
      h.app.http.inject({ method: 'POST', url: '/v1/verifications', headers: AUTH, payload: { to } });
    const expectUnavailable = (reply: LightMyRequestResponse) => {
      expect(reply.statusCode).toBe(503);
      expect(reply.headers['retry-after']).toBe('5');
      expect(reply.json().error.code).toBe('unavailable');
    };
    const servesAgain = () =>
      eventually(
        async () => (await startVerification()).statusCode === 201,
        'a 201 after the database returned',
      );

    it('answers 503 with Retry-After when every connection drops under 30 requests, and 201 (its SMS sent) once the database returns', async () => {
      expect((await startVerification()).statusCode).toBe(201);

      // Every request holds a connection mid-statement when the links are cut.
      proxy.stall();
      const replies = Promise.all(Array.from({ length: 30 }, () => startVerification()));
      await eventually(() => proxy.held >= 10, 'requests waiting on the database');
      proxy.cutAll();
      await proxy.refuse();
      proxy.heal();

      for (const reply of await answeredWithin(replies, 'a request whose connection dropped')) {
        expectUnavailable(reply);
      }
      expectUnavailable(await startVerification());
      const health = await h.app.http.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(503);

      await proxy.accept();
      await servesAgain();
      expect((await h.app.http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const phone = uniquePhone();
      expect((await startVerification(phone)).statusCode).toBe(201);
      await eventually(() => h.outbox().some((sms) => sms.to === phone), 'the SMS sent after the outage');
      // One warning line per refused request, never a stack trace.
      expect(h.logs.some((line) => line.includes('"msg":"database unavailable"'))).toBe(true);
      expect(h.logs.filter((line) => line.includes('"msg":"request failed"'))).toEqual([]);
    });

    it('answers the legacy faces 503 with Retry-After in their own envelopes while the database is away', async () => {
      await proxy.refuse();
      proxy.cutAll();
      try {
        const bitel = await h.app.http.inject({
          method: 'POST',
          url: '/api/v2/sms/otp',
          headers: AUTH,
          payload: { phoneNumber: '09121234567', appName: 'Bitel', code: '1234' },
        });
        expect(bitel.statusCode).toBe(503);
        expect(bitel.headers['retry-after']).toBe('5');
        expect(bitel.json()).toMatchObject({ result: null, error: { code: 'ServiceUnavailable' } });

        const customers = await h.app.http.inject({
          method: 'POST',
          url: '/api/CUSTOMERS/SEND_OTP?customerid=1',
          headers: { ...AUTH, 'content-type': 'application/json' },
          payload: '',
        });
        expect(customers.statusCode).toBe(503);
        expect(customers.headers['retry-after']).toBe('5');
        expect(customers.json().Status).toMatchObject({ Success: false, Code: 503 });
      } finally {
        await proxy.accept();
      }
      await servesAgain();
    });

    it('answers 503 within the timeouts during a partition rather than waiting it out, and serves once it heals', async () => {
      expect((await startVerification()).statusCode).toBe(201);
      proxy.stall();
      try {
        const replies = await answeredWithin(
          Promise.all(Array.from({ length: 5 }, () => startVerification())),
          'a request during the partition',
        );
        for (const reply of replies) expectUnavailable(reply);
      } finally {
        proxy.heal();
      }
      await servesAgain();
    });

    it('answers 503 when a statement outlasts the statement timeout (a table locked elsewhere)', async () => {
      const locker = new pg.Client({ connectionString: direct.url });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE verifications IN ACCESS EXCLUSIVE MODE');
        expectUnavailable(await answeredWithin(startVerification(), 'a request behind the lock'));
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      expect((await startVerification()).statusCode).toBe(201);
    });
  },
);
