/**
 * Every face that texts a code refuses a blocked range and a country outside the client's list in its own
 * shape, and writes nothing: no customer, verification or SMS. The one admission in the domain decides.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cbssClient } from '../support/cbss-client.js';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

const PASSWORD = 'abuse refusals pw 1';
const UAE = 784;
/** A blocked UAE range (+971 58), and a number in it. */
const BLOCKED = '+97158';
const blockedNumber = () =>
  `${BLOCKED}${String(1_000_000 + Math.floor(Math.random() * 8_999_999)).slice(-7)}`;
const menuappCurl = JSON.parse(
  readFileSync(new URL('../fixtures/menuapp/verify-phone-number-update.curl.json', import.meta.url), 'utf8'),
) as { headers: Record<string, string> };

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `abuse refusals on every face on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let h: Harness;
      beforeAll(async () => {
        h = await startHarness(backend, { SMS_COUNTRIES: 'AE,SA,IR,GB' });
        await h.app.domain.prefixRules.block({ prefix: BLOCKED, reason: 'test range' });
      });
      afterAll(async () => h?.close());

      const rowsFor = async (phone: string) => {
        const { rows } = await sql<{ count: number }>`
        SELECT (SELECT count(*) FROM sms_messages WHERE recipient = ${phone})
          + (SELECT count(*) FROM verifications WHERE phone = ${phone})
          + (SELECT count(*) FROM customers WHERE phone = ${phone} OR pending_phone = ${phone})
          + (SELECT count(*) FROM phone_guards WHERE phone = ${phone}) AS count`.execute(h.app.database.db);
        return Number(rows[0]?.count);
      };

      async function registerNative(phone = uniquePhone()) {
        const reply = await h.app.http.inject({
          method: 'POST',
          url: '/v1/customers',
          headers: AUTH,
          payload: { nameEn: 'Layla Haddad', email: uniqueEmail(), phone, password: PASSWORD },
        });
        expect(reply.statusCode).toBe(201);
        return reply.json().customer as { id: string; number: number; phone: string; email: string };
      }

      it('refuses a blocked range on the native API with 403 prefix_blocked', async () => {
        const to = blockedNumber();
        const reply = await h.app.http.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers: AUTH,
          payload: { to },
        });
        expect(reply.statusCode).toBe(403);
        expect(reply.json().error.code).toBe('prefix_blocked');
        expect(await rowsFor(to)).toBe(0);
      });

      it('refuses it on CUSTOMERS in its envelope (200, Success false) and registers nobody', async () => {
        const phone = blockedNumber();
        const reply = await h.app.http.inject({
          method: 'POST',
          url: '/api/CUSTOMERS?foreigns=false',
          headers: { ...AUTH, 'content-type': 'application/json' },
          payload: {
            CUSTOMER_NAME_EN: 'Omar Khalil',
            EMAIL: uniqueEmail(),
            MOBILE_NO: phone.slice(4),
            LOGIN_PASSWORD: PASSWORD,
            FK_MOBILE_COUNTRY: UAE,
            FK_EMIRATE: 2,
            ACTIVE: true,
          },
        });
        expect(reply.statusCode).toBe(200);
        expect(reply.json().Status).toMatchObject({ Success: false, Code: 403 });
        expect(reply.json().Status.DetailedMessage).toMatch(/^prefix_blocked/);
        expect(await rowsFor(phone)).toBe(0);
      });

      it('refuses it on CBSS and menu.app phone changes in their shapes, leaving the customer as it was', async () => {
        const customer = await registerNative();
        const cbss = cbssClient(h);
        const { loginSalt } = await cbss.login(customer.email, PASSWORD);
        const viaCbss = blockedNumber();
        const cbssReply = await cbss.changeMobilePhoneNumber(loginSalt, {
          password: PASSWORD,
          newPhone: viaCbss,
        });
        expect(cbssReply.statusCode).toBe(403);
        expect(cbssReply.json()).toMatchObject({
          IsSuccessful: false,
          Messages: [{ Code: 'prefix_blocked' }],
        });

        const viaMenuapp = blockedNumber();
        const menuReply = await h.app.http.inject({
          method: 'POST',
          url: `/api/customers/${customer.id}/request-phone-number-update`,
          headers: { ...menuappCurl.headers, 'X-Request-ID': randomUUID(), Application: 'test', ...AUTH },
          payload: { phone_number: viaMenuapp },
        });
        expect(menuReply.statusCode).toBe(403);
        expect(menuReply.json()).toMatchObject({ status: 'ERROR', code: 403, error_code: 'prefix_blocked' });
        expect(await rowsFor(viaCbss)).toBe(0);
        expect(await rowsFor(viaMenuapp)).toBe(0);
      });

      it('refuses it on Bitel with 403 Forbidden in its error shape', async () => {
        const to = blockedNumber();
        const reply = await h.app.http.inject({
          method: 'POST',
          url: '/api/v2/sms/otp',
          headers: AUTH,
          payload: { PhoneNumber: to, AppName: 'Shop', Code: '123456' },
        });
        expect(reply.statusCode).toBe(403);
        expect(reply.json()).toMatchObject({ result: null, error: { code: 'Forbidden' } });
        expect(reply.json().error.message).toContain('blocked');
        expect(await rowsFor(to)).toBe(0);
      });

      it('refuses a country outside SMS_COUNTRIES before any row is written, on every face', async () => {
        const french = '+33612345678';
        const native = await h.app.http.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers: AUTH,
          payload: { to: french },
        });
        expect(native.statusCode).toBe(403);
        expect(native.json().error).toMatchObject({
          code: 'country_not_permitted',
          details: [{ problem: 'FR is not among the countries this client may text' }],
        });
        const register = await h.app.http.inject({
          method: 'POST',
          url: '/v1/customers',
          headers: AUTH,
          payload: { nameEn: 'Jean Dupont', email: uniqueEmail(), phone: french, password: PASSWORD },
        });
        expect(register.json().error.code).toBe('country_not_permitted');
        const bitel = await h.app.http.inject({
          method: 'POST',
          url: '/api/v2/sms/otp',
          headers: AUTH,
          payload: { PhoneNumber: french, AppName: 'Shop', Code: '123456' },
        });
        expect(bitel.statusCode).toBe(403);
        expect(await rowsFor(french)).toBe(0);
        const { rows } = await sql<{ count: number }>`
        SELECT count(*)::int AS count FROM send_counts WHERE prefix LIKE '+33%'`.execute(h.app.database.db);
        expect(rows[0]?.count).toBe(0);
      });

      it('lets a client with its own countries text them, and only them', async () => {
        const key = 'france-client-key-0123456789abcd';
        await h.app.clients.upsert('france', key, 'france');
        await sql`UPDATE api_clients SET sms_countries = 'FR' WHERE code = 'france'`.execute(
          h.app.database.db,
        );
        const headers = { authorization: `Bearer ${key}` };
        const french = await h.app.http.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers,
          payload: { to: '+33612345679' },
        });
        expect(french.statusCode).toBe(201);
        const emirati = await h.app.http.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers,
          payload: { to: uniquePhone() },
        });
        expect(emirati.json().error.code).toBe('country_not_permitted');
      });
    },
  );
}
