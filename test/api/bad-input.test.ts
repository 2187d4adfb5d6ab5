import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`bad input on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend);
    });
    afterAll(async () => h?.close());

    const rowCounts = async () => {
      const count = async (table: string) =>
        Number(
          (
            await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(
              h.app.database.db,
            )
          ).rows[0]?.n,
        );
      return {
        customers: await count('customers'),
        verifications: await count('verifications'),
        messages: await count('sms_messages'),
      };
    };
    const valid = () => ({
      nameEn: 'Sara Ali',
      email: uniqueEmail(),
      phone: uniquePhone(),
      password: 'long enough pw',
    });
    const send = (payload: string | object, headers: Record<string, string> = {}) =>
      h.app.http.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: { ...AUTH, 'content-type': 'application/json', ...headers },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });

    it.each([
      ['malformed JSON', '{"nameEn": "Sara",', 400, 'invalid_json'],
      ['an invalid phone', { ...valid(), phone: '+97100' }, 400, 'invalid_request'],
      ['letters for a phone', { ...valid(), phone: 'call me maybe' }, 400, 'invalid_request'],
      ['an unknown field', { ...valid(), isAdmin: true }, 400, 'invalid_request'],
      ['a missing required field', { nameEn: 'Sara' }, 400, 'invalid_request'],
      ['a name over 400 characters', { ...valid(), nameEn: 'x'.repeat(401) }, 400, 'invalid_request'],
      ['a wrongly typed field', { ...valid(), active: 'yes' }, 400, 'invalid_request'],
      ['an email that is not one', { ...valid(), email: 'not-an-email' }, 400, 'invalid_request'],
      ['a body over 64 KiB', { ...valid(), notes: 'x'.repeat(70 * 1024) }, 413, 'payload_too_large'],
    ])('answers %s with a structured %i and writes nothing', async (_name, payload, status, code) => {
      const before = await rowCounts();
      const reply = await send(payload);
      expect(reply.statusCode).toBe(status);
      const body = reply.json();
      expect(body.error.code).toBe(code);
      expect(typeof body.error.message).toBe('string');
      expect(reply.payload).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
      expect(await rowCounts()).toEqual(before);
    });

    it('answers numbers past what the database holds, and unknown references, with 4xx', async () => {
      const cursor = await h.app.http.inject({
        method: 'GET',
        url: '/v1/customers?cursor=9999999999',
        headers: AUTH,
      });
      expect(cursor.statusCode).toBe(400);
      const before = await rowCounts();
      expect((await send({ ...valid(), emirateId: 9_999_999_999 })).statusCode).toBe(400);
      expect((await send({ ...valid(), emirateId: 99 })).json().error.code).toBe('invalid_reference');
      const unknown = await h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: AUTH,
        payload: { to: uniquePhone(), customerId: '00000000-0000-4000-8000-000000000000' },
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('customer_not_found');
      expect(await rowCounts()).toEqual(before);
    });

    it('names the offending fields in the details', async () => {
      const reply = await send({ ...valid(), isAdmin: true, phone: '+97100' });
      const fields = (reply.json().error.details as { field: string }[]).map((detail) => detail.field);
      expect(fields).toContain('/isAdmin');
    });

    it('answers in Arabic when asked', async () => {
      const reply = await send('{', { 'accept-language': 'ar' });
      expect(reply.json().error).toMatchObject({ code: 'invalid_json', message: 'نص الطلب ليس JSON صالحًا.' });
    });

    it('refuses a request without a valid key with 401', async () => {
      const none = await h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        payload: { to: uniquePhone() },
      });
      expect(none.statusCode).toBe(401);
      expect(none.json().error.code).toBe('unauthorized');
      const wrong = await h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { authorization: 'Bearer not-a-key' },
        payload: { to: uniquePhone() },
      });
      expect(wrong.statusCode).toBe(401);
    });

    it('answers unknown routes, bad ids and a non-digit code with 4xx in the same shape', async () => {
      const route = await h.app.http.inject({ method: 'GET', url: '/v1/nothing-here', headers: AUTH });
      expect(route.statusCode).toBe(404);
      expect(route.json().error.code).toBe('not_found');
      const id = await h.app.http.inject({
        method: 'GET',
        url: '/v1/verifications/not-a-uuid',
        headers: AUTH,
      });
      expect(id.statusCode).toBe(400);
      const started = await h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: AUTH,
        payload: { to: uniquePhone() },
      });
      const check = await h.app.http.inject({
        method: 'POST',
        url: `/v1/verifications/${started.json().id}/check`,
        headers: AUTH,
        payload: { code: '12ab56' },
      });
      expect(check.statusCode).toBe(400);
      expect(check.json().error.code).toBe('invalid_code');
    });

    it('refuses a second customer with the same phone or email with 409 and keeps one row', async () => {
      const first = valid();
      expect((await send(first)).statusCode).toBe(201);
      const before = await rowCounts();
      const samePhone = await send({ ...valid(), phone: first.phone });
      expect(samePhone.statusCode).toBe(409);
      expect(samePhone.json().error.code).toBe('phone_taken');
      const sameEmail = await send({ ...valid(), email: first.email.toUpperCase() });
      expect(sameEmail.json().error.code).toBe('email_taken');
      expect(await rowCounts()).toEqual(before);
    });
  });
}
