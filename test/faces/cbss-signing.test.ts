import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cbssSignature as faceSignature, saltedSignatures } from '../../src/faces/cbss/signed-request.js';
import type { CbssSessionsTable } from '../../src/store/cbss-sessions.js';
import { CBSS_PATHS, cbssClient, cbssSignature } from '../support/cbss-client.js';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

const PASSWORD = 'correct horse battery';
const MINUTE = 60_000;

async function registerCustomer(h: Harness, phone = uniquePhone()) {
  const reply = await h.app.http.inject({
    method: 'POST',
    url: '/v1/customers',
    headers: AUTH,
    payload: { nameEn: 'Omar Khalil', email: uniqueEmail(), phone, password: PASSWORD },
  });
  expect(reply.statusCode).toBe(201);
  return { id: reply.json().customer.id as string, phone };
}

/** Live sessions of other logins, all newer than what the test signed in with. */
async function addNewerSessions(h: Harness, clientCode: string, customerId: string, count: number) {
  const now = h.clock.now().getTime();
  const rows = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    client_code: clientCode,
    customer_id: customerId,
    login_salt: randomBytes(16).toString('hex'),
    created_at: new Date(now + 1 + i),
    expires_at: new Date(now + 30 * MINUTE),
  }));
  const table = h.app.database.db.withTables<{ cbss_sessions: CbssSessionsTable }>();
  for (let i = 0; i < rows.length; i += 500) {
    await table
      .insertInto('cbss_sessions')
      .values(rows.slice(i, i + 500))
      .execute();
  }
}

describe('CBSS signatures computed from one hash of the body', () => {
  it('equal SHA-256 of body + client key + login salt for every salt', () => {
    const body = Buffer.from('{"ClientCode":"test"}'.repeat(3000));
    const signatureWith = saltedSignatures(body, 'key');
    for (const salt of ['', 'a1b2', randomBytes(16).toString('hex')]) {
      const expected = cbssSignature(body.toString('utf8'), 'key', salt);
      expect(signatureWith(salt).toString('hex')).toBe(expected);
      expect(faceSignature(body, 'key', salt).toString('hex')).toBe(expected);
    }
  });
});

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`CBSS signing on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend);
    });
    afterAll(async () => h?.close());

    it('finds a session older than its client’s newest thousand when Identity is null', async () => {
      const cbss = cbssClient(h);
      const customer = await registerCustomer(h);
      const other = await registerCustomer(h);
      const { loginSalt } = await cbss.login(customer.phone, PASSWORD);
      await addNewerSessions(h, 'test', other.id, 1500);

      const newPhone = uniquePhone();
      const started = performance.now();
      const reply = await cbss.changeMobilePhoneNumber(loginSalt, { password: PASSWORD, newPhone });
      expect(reply.statusCode).toBe(200);
      // 1500 salts against a body hashed once: a refusal scans them all, and stays cheap.
      const refused = await cbss.call(
        CBSS_PATHS.changeMobile,
        { Identity: null, Password: PASSWORD, NewMobilePhoneNumber: 'x'.repeat(50) },
        { signature: 'ab'.repeat(32) },
      );
      expect(refused.statusCode).toBe(401);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(await h.lastCode(newPhone)).toMatch(/^\d{6}$/);
    });
  });

  describe.skipIf(skip !== false)(`CBSS client quota on ${backend.name}`, () => {
    let h: Harness;
    const CLIENT = { code: 'cbss-app', key: 'cbss-app-key-0123456789abcdef01' };
    beforeAll(async () => {
      h = await startHarness(backend, {
        RATE_LIMIT_CLIENT_PER_MINUTE: '3',
        RATE_LIMIT_IP_PER_MINUTE: '30',
      });
      await h.app.clients.upsert(CLIENT.code, CLIENT.key);
    });
    afterAll(async () => h?.close());

    it('spends a client’s quota only on verified signatures, and charges refused ones to the sender’s IP', async () => {
      const customer = await registerCustomer(h); // 1 request from this IP
      const cbss = cbssClient(h, CLIENT);
      const login = { Identity: customer.phone, Password: PASSWORD };

      // Someone who knows only the ClientCode cannot use up the client's quota.
      for (let i = 0; i < 10; i += 1) {
        const forged = await cbss.call(CBSS_PATHS.login, login, { signature: 'ab'.repeat(32) });
        expect(forged.statusCode).toBe(401);
        h.clock.advance(1000);
      }
      for (let i = 0; i < 3; i += 1) {
        expect((await cbss.call(CBSS_PATHS.login, login)).statusCode).toBe(200);
        h.clock.advance(1000);
      }
      const overQuota = await cbss.call(CBSS_PATHS.login, login);
      expect(overQuota.statusCode).toBe(429);
      expect(overQuota.json().Messages[0].Code).toBe('rate_limited');
      expect(overQuota.headers['retry-after']).toBeDefined();

      // 15 requests so far from this IP: 15 more refusals reach its limit of 30, the next is throttled.
      const statuses: number[] = [];
      for (let i = 0; i < 16; i += 1) {
        h.clock.advance(1000);
        statuses.push((await cbss.call(CBSS_PATHS.login, login, { signature: 'cd'.repeat(32) })).statusCode);
      }
      expect(statuses).toEqual([...Array<number>(15).fill(401), 429]);
    });
  });
}
