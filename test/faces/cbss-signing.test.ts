import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cbssSignature as faceSignature,
  saltedSignatures,
  signatureBytes,
} from '../../src/faces/cbss/signed-request.js';
import type { CbssSessionsTable } from '../../src/store/cbss-sessions.js';
import { CBSS_PATHS, cbssClient, cbssSignature, dotNetDateTime } from '../support/cbss-client.js';
import { contractBackends } from '../support/database.js';
import {
  AUTH,
  CLIENT_KEY,
  startHarness,
  uniqueEmail,
  uniquePhone,
  type Harness,
} from '../support/harness.js';

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

describe('A CBSS Signature', () => {
  it('reads as the same 32 bytes in hex, Base64, URL-safe Base64 and Base64 whose + became a space', () => {
    const digest = Buffer.from('fbffbf' + 'e0'.repeat(29), 'hex'); // its Base64 has + and /
    const base64 = digest.toString('base64');
    expect(base64).toMatch(/\+.*\//);
    for (const form of [
      digest.toString('hex'),
      digest.toString('hex').toUpperCase(),
      base64,
      base64.replace(/=$/, ''),
      digest.toString('base64url'),
      base64.replace(/\+/g, ' '),
    ]) {
      expect(signatureBytes(form)?.equals(digest)).toBe(true);
    }
    for (const malformed of [undefined, '', 'not hex', 'ab'.repeat(31), base64.slice(1), `${base64}=`]) {
      expect(signatureBytes(malformed)).toBeUndefined();
    }
  });
});

for (const { backend, skip } of contractBackends) {
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
    it('takes query names in any case and ignores unknown JSON members, as ASP.NET does', async () => {
      const cbss = cbssClient(h);
      const customer = await registerCustomer(h);
      const body = JSON.stringify({
        ClientCode: 'test',
        DateTime: dotNetDateTime(h.clock.now()),
        Content: { Identity: customer.phone, Password: 'wrong password', RememberMe: true },
        AppVersion: '4.2',
      });
      const signature = cbssSignature(body, CLIENT_KEY);
      const reply = await cbss.send(CBSS_PATHS.login, {
        body,
        url: (path) => `${path}?signature=${signature}&LANGUAGE=ar_AE`,
      });
      expect(reply.statusCode).toBe(403);
      expect(reply.json().Messages[0]).toEqual({ Code: 'wrong_password', Text: 'كلمة المرور غير صحيحة.' });

      h.clock.advance(1000);
      const { loginSalt } = await cbss.login(customer.phone, PASSWORD);
      const newPhone = uniquePhone();
      const step1 = await cbss.call(
        CBSS_PATHS.changeMobile,
        { Identity: null, Password: PASSWORD, NewMobilePhoneNumber: newPhone, Channel: 'app' },
        { loginSalt },
      );
      expect(step1.statusCode).toBe(200);
      expect(await h.lastCode(newPhone)).toMatch(/^\d{6}$/);
    });

    it('accepts the signature in hex of either case or in Base64, and refuses the same digest again in another form', async () => {
      const cbss = cbssClient(h);
      const customer = await registerCustomer(h);
      const login = { Identity: customer.phone, Password: PASSWORD };
      const digestOf = (body: string) => Buffer.from(cbssSignature(body, CLIENT_KEY), 'hex');
      const encodings: ((digest: Buffer) => string)[] = [
        (digest) => digest.toString('hex').toUpperCase(),
        (digest) => encodeURIComponent(digest.toString('base64')),
        (digest) => digest.toString('base64url'),
        // A `+` sent unescaped reaches the server as a space.
        (digest) => digest.toString('base64').replace(/=$/, ''),
      ];
      for (const encode of encodings) {
        h.clock.advance(1000);
        const body = cbss.sign(login).body;
        const reply = await cbss.send(CBSS_PATHS.login, {
          body,
          url: (path) => `${path}?Signature=${encode(digestOf(body))}`,
        });
        expect(reply.statusCode).toBe(200);
      }

      h.clock.advance(1000);
      const body = cbss.sign(login).body;
      const digest = digestOf(body);
      const as = (signature: string) =>
        cbss.send(CBSS_PATHS.login, { body, url: (path) => `${path}?Signature=${signature}` });
      expect((await as(digest.toString('hex'))).statusCode).toBe(200);
      const replayed = await as(encodeURIComponent(digest.toString('base64')));
      expect(replayed.statusCode).toBe(401);
      expect(replayed.json().Messages[0].Code).toBe('request_replayed');
      const truncated = await as(encodeURIComponent(digest.subarray(0, 31).toString('base64')));
      expect(truncated.json().Messages[0].Code).toBe('signature_invalid');
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
      await h.app.clients.upsert(CLIENT.code, CLIENT.key, 'test');
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
