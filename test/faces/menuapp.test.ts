import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractBackends } from '../support/database.js';
import {
  AUTH,
  CLIENT_KEY,
  startHarness,
  uniqueEmail,
  uniquePhone,
  type Harness,
} from '../support/harness.js';
import { createIdempotency } from '../../src/domain/idempotency.js';
import { requestClaimStore } from '../../src/store/request-claims.js';
import { shapeMismatches } from '../support/contract.js';

const fixture = <T>(name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/menuapp/${name}.json`, import.meta.url), 'utf8')) as T;
const curl = fixture<{ method: string; url: string; headers: Record<string, string> }>(
  'verify-phone-number-update.curl',
);
const verifyRequest = fixture<{ confirmation_code: string }>('verify-phone-number-update.request');
const verifyResponse = fixture<object>('verify-phone-number-update.response');

const PASSWORD = 'Menu-App-Password-9d2b';
const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

/** The documented headers with real values where the sample leaves them empty. */
const documentedHeaders = (requestId: string = randomUUID()) => {
  const headers: Record<string, string> = { ...curl.headers, 'X-Request-ID': requestId, Application: 'test' };
  headers.Authorization = AUTH.authorization;
  return headers;
};

for (const { backend, skip } of contractBackends) {
  describe.skipIf(skip !== false)(`menu.app face on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend);
    });
    afterAll(async () => h?.close());

    const replies: string[] = [];
    const post = async (
      url: string,
      payload: object,
      headers: Record<string, string> = documentedHeaders(),
    ) => {
      const reply = await h.app.http.inject({ method: 'POST', url, headers, payload });
      replies.push(reply.payload);
      expect(reply.statusCode).toBeLessThan(500);
      return reply;
    };
    const requestUpdate = (customerId: string, phone: string, headers?: Record<string, string>) =>
      post(`/api/customers/${customerId}/request-phone-number-update`, { phone_number: phone }, headers);
    const verifyUpdate = (customerId: string, code: string, headers?: Record<string, string>) =>
      post(`/api/customers/${customerId}/verify-phone-number-update`, { confirmation_code: code }, headers);
    const register = async (phone = uniquePhone()) => {
      const reply = await h.app.http.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: AUTH,
        payload: { nameEn: 'Dragos Niculescu', email: uniqueEmail(), phone, password: PASSWORD },
      });
      expect(reply.statusCode).toBe(201);
      return reply.json().customer as { id: string; phone: string };
    };
    const native = async (customerId: string) =>
      (await h.app.http.inject({ method: 'GET', url: `/v1/customers/${customerId}`, headers: AUTH })).json();
    const smsTo = async (phone: string) => {
      await h.app.dispatcher.drain();
      return h.outbox().filter((sms) => sms.to === phone).length;
    };
    const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

    it('answers the documented verify request with every documented field in its documented type', async () => {
      const customer = await register();
      const newPhone = uniquePhone();
      expect((await requestUpdate(customer.id, newPhone)).statusCode).toBe(200);
      const code = await h.lastCode(newPhone);
      const url = new URL(curl.url).pathname.replace(/customers\/[^/]+/, `customers/${customer.id}`);
      const reply = await h.app.http.inject({
        method: curl.method as 'POST',
        url,
        headers: documentedHeaders(curl.headers['X-Request-ID']),
        payload: JSON.stringify({ ...verifyRequest, confirmation_code: code }),
      });
      expect(reply.statusCode).toBe(200);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      const body = reply.json();
      expect(shapeMismatches(body, verifyResponse)).toEqual([]);
      expect(body).toMatchObject({ status: 'OK', code: 200 });
      expect(body.data.customer_account).toMatchObject({
        id: customer.id,
        type_id: 1,
        reference_type: 'CustomerAccount',
        first_name: 'Dragos',
        last_name: 'Niculescu',
        phone_number: newPhone,
        state: 1,
        demographics: [],
        has_pending_email_change: false,
        has_pending_phone_number_change: false,
        is_social: false,
        social_login: null,
        confirmed: true,
      });
      expect(body.data.customer_account.created_at).toMatch(TIMESTAMP);
      expect(body.data.customer_account.updated_at).toBe('2026-11-23 10:00:00');
      expect(await native(customer.id)).toMatchObject({ phone: newPhone, phoneVerified: true });
    });

    it('starts a phone number update: texts the new number and shows the pending change', async () => {
      const customer = await register();
      const newPhone = uniquePhone();
      const reply = await requestUpdate(customer.id, newPhone);
      expect(reply.statusCode).toBe(200);
      expect(shapeMismatches(reply.json(), verifyResponse)).toEqual([]);
      expect(reply.json().data.customer_account).toMatchObject({
        phone_number: customer.phone,
        has_pending_phone_number_change: true,
        confirmed: false,
      });
      expect(await smsTo(newPhone)).toBe(1);
    });

    it('refuses a wrong code with 422 and the attempts left, then a spent code', async () => {
      const customer = await register();
      const newPhone = uniquePhone();
      await requestUpdate(customer.id, newPhone);
      const code = await h.lastCode(newPhone);
      const wrong = await verifyUpdate(customer.id, wrongCode(code));
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json()).toEqual({
        status: 'ERROR',
        code: 422,
        message: 'The code is not correct.',
        error_code: 'code_incorrect',
        errors: { confirmation_code: ['4 attempts left'] },
      });
      for (let i = 0; i < 3; i++) await verifyUpdate(customer.id, wrongCode(code));
      const fifth = await verifyUpdate(customer.id, wrongCode(code));
      expect(fifth.statusCode).toBe(409);
      expect(fifth.json()).toMatchObject({ code: 409, error_code: 'max_attempts_reached' });
      const spent = await verifyUpdate(customer.id, code);
      expect(spent.json()).toMatchObject({ status: 'ERROR', code: 409, error_code: 'max_attempts_reached' });
      expect(await native(customer.id)).toMatchObject({ phone: customer.phone });
    });

    it('refuses an expired code and answers in Arabic when asked', async () => {
      const customer = await register();
      const newPhone = uniquePhone();
      await requestUpdate(customer.id, newPhone);
      const code = await h.lastCode(newPhone);
      h.clock.advance(10 * 60 * 1000 + 1);
      const expired = await verifyUpdate(customer.id, code, {
        ...documentedHeaders(),
        'accept-language': 'ar',
      });
      expect(expired.statusCode).toBe(409);
      expect(expired.json()).toMatchObject({
        code: 409,
        error_code: 'verification_expired',
        message: 'انتهت صلاحية الرمز.',
        errors: { confirmation_code: ['انتهت صلاحية الرمز.'] },
      });
    });

    it('refuses unknown customers, no pending update, taken, unchanged and invalid numbers', async () => {
      const customer = await register();
      const other = await register();
      const cases: [() => ReturnType<typeof post>, number, string][] = [
        [() => verifyUpdate(randomUUID(), '123456'), 404, 'customer_not_found'],
        [() => requestUpdate(randomUUID(), uniquePhone()), 404, 'customer_not_found'],
        [() => verifyUpdate('not-a-uuid', '123456'), 422, 'invalid_request'],
        [() => verifyUpdate(customer.id, '123456'), 409, 'no_pending_phone_change'],
        [() => requestUpdate(customer.id, other.phone), 409, 'phone_taken'],
        [() => requestUpdate(customer.id, customer.phone), 409, 'phone_unchanged'],
        [() => requestUpdate(customer.id, '+12'), 422, 'invalid_phone'],
        [() => post(`/api/customers/${customer.id}/request-phone-number-update`, {}), 422, 'invalid_request'],
      ];
      for (const [send, status, errorCode] of cases) {
        const reply = await send();
        expect(reply.statusCode, errorCode).toBe(status);
        expect(reply.json(), errorCode).toMatchObject({
          status: 'ERROR',
          code: status,
          error_code: errorCode,
        });
      }
      const invalid = await requestUpdate(customer.id, '+12');
      expect(invalid.json().errors).toEqual({ phone_number: ['not a valid phone number'] });
      const missing = await post(`/api/customers/${customer.id}/request-phone-number-update`, {});
      expect(Object.keys(missing.json().errors)).toEqual(['phone_number']);
    });

    it('refuses missing or bad headers, another application and a missing key', async () => {
      const customer = await register();
      const url = `/api/customers/${customer.id}/request-phone-number-update`;
      const without = (name: string) => {
        const headers = documentedHeaders();
        delete headers[name];
        return headers;
      };
      const cases: [Record<string, string>, number, string, string][] = [
        [without('X-Request-ID'), 400, 'invalid_request', 'X-Request-ID'],
        [without('Application'), 400, 'invalid_request', 'Application'],
        [without('API-version'), 400, 'invalid_request', 'API-version'],
        [{ ...documentedHeaders(), 'API-version': '4.2.0' }, 400, 'invalid_request', 'API-version'],
        [{ ...documentedHeaders(), Application: 'someone-else' }, 403, 'forbidden', 'Application'],
      ];
      for (const [headers, status, errorCode, field] of cases) {
        const reply = await post(url, { phone_number: uniquePhone() }, headers);
        expect(reply.statusCode, field).toBe(status);
        expect(reply.json(), field).toMatchObject({ status: 'ERROR', code: status, error_code: errorCode });
        expect(Object.keys(reply.json().errors), field).toEqual([field]);
      }
      for (const authorization of [undefined, 'Bearer not-a-key']) {
        const headers = without('Authorization');
        if (authorization !== undefined) headers.Authorization = authorization;
        const reply = await post(url, { phone_number: uniquePhone() }, headers);
        expect(reply.statusCode).toBe(401);
        expect(reply.json()).toMatchObject({ status: 'ERROR', code: 401, error_code: 'unauthorized' });
      }
      expect((await native(customer.id)).pendingPhoneChange).toBeNull();
    });

    it('replays a repeated X-Request-ID byte for byte and sends no second SMS', async () => {
      const customer = await register();
      const newPhone = uniquePhone();
      const headers = documentedHeaders();
      const first = await requestUpdate(customer.id, newPhone, headers);
      h.clock.advance(60 * 1000);
      const again = await requestUpdate(customer.id, newPhone, headers);
      expect(again.statusCode).toBe(first.statusCode);
      expect(again.headers['content-type']).toBe(first.headers['content-type']);
      expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
      expect(await smsTo(newPhone)).toBe(1);

      // A refusal is replayed too, and its check is counted once.
      const code = await h.lastCode(newPhone);
      const wrongHeaders = documentedHeaders();
      const wrong = await verifyUpdate(customer.id, wrongCode(code), wrongHeaders);
      const wrongAgain = await verifyUpdate(customer.id, wrongCode(code), wrongHeaders);
      expect(wrong.statusCode).toBe(422);
      expect(wrongAgain.rawPayload.equals(wrong.rawPayload)).toBe(true);
      const { pendingPhoneChange } = await native(customer.id);
      const verification = await h.app.http.inject({
        method: 'GET',
        url: `/v1/verifications/${pendingPhoneChange.verificationId}`,
        headers: AUTH,
      });
      expect(verification.json().checks).toBe(1);
    });

    it('runs concurrent duplicates once and gives each the same reply', async () => {
      const customer = await register();
      const newPhone = uniquePhone();
      const headers = documentedHeaders();
      const all = await Promise.all(
        Array.from({ length: 6 }, () => requestUpdate(customer.id, newPhone, headers)),
      );
      for (const reply of all) {
        expect(reply.statusCode).toBe(200);
        expect(reply.headers['content-type']).toBe(all[0]?.headers['content-type']);
        expect(reply.payload).toBe(all[0]?.payload);
      }
      expect(await smsTo(newPhone)).toBe(1);

      const code = await h.lastCode(newPhone);
      const verifyHeaders = documentedHeaders();
      const verified = await Promise.all(
        Array.from({ length: 4 }, () => verifyUpdate(customer.id, code, verifyHeaders)),
      );
      for (const reply of verified) {
        expect(reply.statusCode).toBe(200);
        expect(reply.payload).toBe(verified[0]?.payload);
      }
    });

    it('refuses an X-Request-ID reused for a different request, and keeps ids apart per client', async () => {
      const customer = await register();
      const headers = documentedHeaders();
      const newPhone = uniquePhone();
      await requestUpdate(customer.id, newPhone, headers);
      const reused = await requestUpdate(customer.id, uniquePhone(), headers);
      expect(reused.statusCode).toBe(422);
      expect(reused.json()).toMatchObject({
        error_code: 'request_id_reused',
        errors: { 'X-Request-ID': [expect.any(String)] },
      });

      const otherKey = 'other-client-key-0123456789abcdef';
      await h.app.clients.upsert('other', otherKey, 'test');
      const theirs = await verifyUpdate(customer.id, await h.lastCode(newPhone), {
        ...headers,
        Application: 'other',
        Authorization: `Bearer ${otherKey}`,
      });
      expect(theirs.statusCode).toBe(200);
      expect(theirs.json().data.customer_account.phone_number).toBe(newPhone);
    });

    it('keeps a reply for 24 hours, then runs the request id as new', async () => {
      const customer = await register();
      const newPhone = uniquePhone();
      const headers = documentedHeaders();
      await requestUpdate(customer.id, newPhone, headers);
      expect(await smsTo(newPhone)).toBe(1);
      h.clock.advance(24 * 3600 * 1000 - 1000);
      await requestUpdate(customer.id, newPhone, headers);
      expect(await smsTo(newPhone)).toBe(1);
      h.clock.advance(2000);
      const later = await requestUpdate(customer.id, newPhone, headers);
      expect(later.statusCode).toBe(200);
      expect(await smsTo(newPhone)).toBe(2);
    });

    it("makes a repeat on another node wait for the first reply, and lets a dead node's claim go after a minute", async () => {
      const nodeA = createIdempotency({ store: requestClaimStore(h.app.database.db), clock: h.clock });
      const nodeB = createIdempotency({ store: requestClaimStore(h.app.database.db), clock: h.clock });
      const key = { scope: 'nodes-test', requestId: randomUUID() };
      const first = await nodeA.start(key, 'f'.repeat(64));
      expect(first.run).toBe(true);
      const repeat = nodeB.start(key, 'f'.repeat(64));
      const reply = {
        statusCode: 200,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: '{"status":"OK"}',
      };
      if (first.run) await first.finish(reply);
      expect(await repeat).toEqual({ run: false, reply });

      const abandoned = { scope: 'nodes-test', requestId: randomUUID() };
      expect((await nodeA.start(abandoned, 'a'.repeat(64))).run).toBe(true);
      h.clock.advance(61 * 1000);
      expect((await nodeB.start(abandoned, 'a'.repeat(64))).run).toBe(true);
    });

    it('puts no password or code in any reply, and no code in any log line', async () => {
      const customer = await register();
      const newPhone = uniquePhone();
      await requestUpdate(customer.id, newPhone);
      const code = await h.lastCode(newPhone);
      await verifyUpdate(customer.id, wrongCode(code));
      await verifyUpdate(customer.id, code);
      expect(h.logs.some((line) => line.includes('verify-phone-number-update'))).toBe(true);
      for (const text of [...replies, ...h.logs]) {
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(CLIENT_KEY);
        expect(text).not.toMatch(new RegExp(`\\b${code}\\b`));
      }
    });
  });

  describe.skipIf(skip !== false)(`menu.app face without client keys on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend, { FACES_WITHOUT_AUTH: 'menuapp', FACES_WITHOUT_AUTH_TENANT: 'test' });
    });
    afterAll(async () => h?.close());

    it('serves without a client key, keeps request ids apart per Application, and vouches for no one', async () => {
      const phone = uniquePhone();
      const created = await h.app.http.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: AUTH,
        payload: { nameEn: 'Ana', email: uniqueEmail(), phone, password: PASSWORD },
      });
      const customerId = created.json().customer.id as string;
      const headers = { 'x-request-id': randomUUID(), application: 'pos', 'api-version': '5.0.0' };
      const url = `/api/customers/${customerId}/request-phone-number-update`;
      const first = await h.app.http.inject({
        method: 'POST',
        url,
        headers,
        payload: { phone_number: uniquePhone() },
      });
      // Without a client there is no one to vouch for the customer: no number moves without its password.
      expect(first.statusCode).toBe(403);
      expect(first.json()).toMatchObject({ code: 403, error_code: 'forbidden' });
      // The same id from another Application is another request (a replay would answer 422 for a new body).
      const otherApp = await h.app.http.inject({
        method: 'POST',
        url,
        headers: { ...headers, application: 'kiosk' },
        payload: { phone_number: phone },
      });
      expect(otherApp.json()).toMatchObject({ code: 403, error_code: 'forbidden' });
    });
  });
}
