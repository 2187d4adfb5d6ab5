import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { sql } from 'kysely';
import { createRateLimits, ipRateKey } from '../../src/limits/rate-limits.js';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniquePhone } from '../support/harness.js';

const redisUrl = process.env.TEST_REDIS_URL || undefined;
const policy = {
  perIpPerMinute: 3,
  perClientPerMinute: 1000,
  perPhonePerMinute: 2,
  webhookPerIpPerMinute: 1000,
  adminSignInPerIpPerMinute: 10,
};

const stores = [
  { name: 'memory', skip: false as const },
  redisUrl === undefined
    ? { name: 'redis', skip: 'Redis tests skipped: TEST_REDIS_URL is not set (no server on this machine)' }
    : { name: 'redis', skip: false as const },
];

for (const store of stores) {
  describe.skipIf(store.skip !== false)(
    `rate limits in ${store.name}${store.skip ? ` — ${store.skip}` : ''}`,
    () => {
      const connections: Redis[] = [];
      // Until a connection is ready the limits count in memory (no request waits for Redis): wait for it.
      const connect = async () => {
        const redis = new Redis(redisUrl!);
        connections.push(redis);
        if (redis.status !== 'ready') await once(redis, 'ready');
        return redis;
      };
      afterAll(() => connections.forEach((redis) => redis.disconnect()));
      const prefix = `otpgate-test-${randomBytes(4).toString('hex')}`;
      const make = async () =>
        createRateLimits(policy, store.name === 'redis' ? await connect() : undefined, prefix);

      it('refuses the request past the limit with rate_limited and a retry delay', async () => {
        const limits = await make();
        const phone = uniquePhone();
        await limits.phone.consume(phone);
        await limits.phone.consume(phone);
        const refusal = await limits.phone.consume(phone).catch((error: unknown) => error);
        expect(refusal).toBeInstanceOf(DomainError);
        expect((refusal as DomainError).code).toBe('rate_limited');
        expect((refusal as DomainError).retryAfterSeconds).toBeGreaterThan(0);
        await expect(limits.phone.consume(uniquePhone())).resolves.toBeUndefined();
      });

      it.skipIf(store.name !== 'redis')('shares one count between two nodes', async () => {
        const nodeA = await make();
        const nodeB = await make();
        const key = `10.0.0.${Math.floor(Math.random() * 250)}`;
        await nodeA.ip.consume(key);
        await nodeB.ip.consume(key);
        await nodeA.ip.consume(key);
        await expect(nodeB.ip.consume(key)).rejects.toMatchObject({ code: 'rate_limited' });
      });
    },
  );
}

for (const store of stores)
  describe.skipIf(store.skip !== false)(`the API behind the per-IP limit in ${store.name}`, () => {
    const harnesses: Awaited<ReturnType<typeof startHarness>>[] = [];
    afterAll(async () => Promise.all(harnesses.map((h) => h.close())));

    it('answers 429 with Retry-After once an IP spent its requests', async () => {
      const h = await startHarness(backends[0]!.backend, {
        RATE_LIMIT_IP_PER_MINUTE: '3',
        ...(store.name === 'redis' ? { REDIS_URL: redisUrl! } : {}),
      });
      harnesses.push(h);
      // Counted in Redis, not in the memory the limits fall back to before it is connected.
      const deadline = Date.now() + 15_000;
      while (store.name === 'redis' && (await h.app.http.inject('/healthz')).json().redis !== 'ok') {
        if (Date.now() > deadline) throw new Error('Redis not connected after 15 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
      const statuses: number[] = [];
      let retryAfter: string | string[] | undefined;
      for (let i = 0; i < 4; i++) {
        const reply = await h.app.http.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers: AUTH,
          payload: { to: uniquePhone() },
          // A fresh address per run: Redis counters outlive the test process.
          remoteAddress: ip,
        });
        statuses.push(reply.statusCode);
        if (reply.statusCode === 429) {
          retryAfter = reply.headers['retry-after'];
          expect(reply.json().error.code).toBe('rate_limited');
        }
      }
      expect(statuses).toEqual([201, 201, 201, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    });
  });

describe('the per-IP limit behind a proxy', () => {
  const harnesses: Awaited<ReturnType<typeof startHarness>>[] = [];
  afterAll(async () => Promise.all(harnesses.map((h) => h.close())));

  it('counts each forwarded client apart when TRUST_PROXY is set, and never meters /healthz', async () => {
    const h = await startHarness(backends[0]!.backend, {
      RATE_LIMIT_IP_PER_MINUTE: '2',
      TRUST_PROXY: '127.0.0.1',
    });
    harnesses.push(h);
    const from = (client: string) =>
      h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { ...AUTH, 'x-forwarded-for': client },
        payload: { to: uniquePhone() },
      });
    const statuses = [];
    for (const client of ['198.51.100.1', '198.51.100.1', '198.51.100.1', '198.51.100.2']) {
      statuses.push((await from(client)).statusCode);
    }
    expect(statuses).toEqual([201, 201, 429, 201]);
    for (let i = 0; i < 5; i++) {
      expect((await h.app.http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    }
  });

  it('counts an IPv6 /64 as one client, so rotating within it buys nothing, and records the limit hit', async () => {
    const h = await startHarness(backends[0]!.backend, {
      RATE_LIMIT_IP_PER_MINUTE: '2',
      TRUST_PROXY: '127.0.0.1',
    });
    harnesses.push(h);
    const from = (client: string) =>
      h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { ...AUTH, 'x-forwarded-for': client },
        payload: { to: uniquePhone() },
      });
    const statuses = [];
    for (const client of [
      '2001:db8:1:2::1',
      '2001:db8:1:2:ffff::9',
      '2001:db8:1:2:0:0:0:77',
      '2001:db8:1:3::1',
    ]) {
      statuses.push((await from(client)).statusCode);
    }
    expect(statuses).toEqual([201, 201, 429, 201]);
    await h.app.domain.securityEvents.settled();
    const { rows } = await sql<{ type: string; ip: string; summary: string }>`
      SELECT type, ip, summary FROM security_events WHERE type = 'limit_hit'`.execute(h.app.database.db);
    expect(rows).toEqual([
      {
        type: 'limit_hit',
        ip: '2001:db8:1:2:0:0:0:77',
        summary: 'rate_limited on POST /v1/verifications from 2001:db8:1:2:0:0:0:77',
      },
    ]);
  });
});

describe('the key an address is counted under', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s counts as %s', (ip, key) => {
    expect(ipRateKey(ip)).toBe(key);
  });
});
