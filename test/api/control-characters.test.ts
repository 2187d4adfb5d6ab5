import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CBSS_PATHS, cbssClient } from '../support/cbss-client.js';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

const NUL = '\u0000';

type Face = 'native' | 'customers' | 'cbss' | 'webhook';

/** Each face refuses in its own envelope; all that matters here is that it is a refusal of the input. */
function expectRefusedInput(face: Face, reply: LightMyRequestResponse): void {
  expect(reply.statusCode).toBeLessThan(500);
  const body = reply.json();
  switch (face) {
    case 'native':
    case 'webhook':
      expect(reply.statusCode).toBe(400);
      expect(body.error.code).toBe('invalid_request');
      break;
    case 'customers':
      // CUSTOMERS answers its refusals with HTTP 200 and the status inside, as the legacy API does.
      expect(body.Status).toMatchObject({ Success: false, Code: 400 });
      break;
    case 'cbss':
      expect(reply.statusCode).toBe(400);
      expect(body.IsSuccessful).toBe(false);
      expect(body.Messages[0].Code).toBe('invalid_request');
      break;
  }
}

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `control characters in input on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let h: Harness;
      let customerId: string;
      beforeAll(async () => {
        h = await startHarness(backend, {
          // Never called: the receipt is refused before any provider code runs.
          SMS_PROVIDERS:
            'vonage://key:secret@?from=OTPGATE&signature_secret=receipt-secret&base=http://127.0.0.1:9',
        });
        const created = await h.app.http.inject({
          method: 'POST',
          url: '/v1/customers',
          headers: AUTH,
          payload: {
            nameEn: 'Sara Ali',
            email: uniqueEmail(),
            phone: uniquePhone(),
            password: 'long enough pw',
          },
        });
        customerId = created.json().customer.id;
      });
      afterAll(async () => h?.close());

      const nativeCustomer = () => ({
        nameEn: 'Sara Ali',
        email: uniqueEmail(),
        phone: uniquePhone(),
        password: 'long enough pw',
      });
      const customersBody = () => ({
        CUSTOMER_NAME_EN: 'Layla Haddad',
        EMAIL: uniqueEmail(),
        MOBILE_NO: uniquePhone().slice(4),
        LOGIN_PASSWORD: 'Sample-Password-5c81e2',
        FK_MOBILE_COUNTRY: '784',
      });

      const cases: [string, Face, () => Promise<LightMyRequestResponse>][] = [
        [
          'a native registration with a NUL in the name',
          'native',
          () =>
            h.app.http.inject({
              method: 'POST',
              url: '/v1/customers',
              headers: AUTH,
              payload: { ...nativeCustomer(), nameEn: `Sara${NUL}Ali` },
            }),
        ],
        [
          'a native update with a NUL in the notes',
          'native',
          () =>
            h.app.http.inject({
              method: 'PATCH',
              url: `/v1/customers/${customerId}`,
              headers: AUTH,
              payload: { notes: `VIP${NUL}` },
            }),
        ],
        [
          'a native update with an escape character in a field name',
          'native',
          () =>
            h.app.http.inject({
              method: 'PATCH',
              url: `/v1/customers/${customerId}`,
              headers: { ...AUTH, 'content-type': 'application/json' },
              payload: '{"no\\u001btes": "VIP"}',
            }),
        ],
        [
          'a native path parameter with a control character',
          'native',
          () => h.app.http.inject({ method: 'GET', url: '/v1/customers/ab%01cd', headers: AUTH }),
        ],
        [
          'a CUSTOMERS insert in JSON with a NUL in the email',
          'customers',
          () =>
            h.app.http.inject({
              method: 'POST',
              url: '/api/CUSTOMERS',
              headers: { ...AUTH, 'content-type': 'application/json' },
              payload: JSON.stringify({
                ...customersBody(),
                EMAIL: `a${NUL}@example.com`,
                FK_MOBILE_COUNTRY: 784,
              }),
            }),
        ],
        [
          'a CUSTOMERS insert as a form with a NUL in the name',
          'customers',
          () =>
            h.app.http.inject({
              method: 'POST',
              url: '/api/CUSTOMERS',
              headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' },
              payload: new URLSearchParams({
                ...customersBody(),
                CUSTOMER_NAME_EN: `Layla${NUL}`,
              }).toString(),
            }),
        ],
        [
          'a CUSTOMERS query value with a NUL',
          'customers',
          () =>
            h.app.http.inject({
              method: 'POST',
              url: '/api/CUSTOMERS?foreigns=true%00',
              headers: { ...AUTH, 'content-type': 'application/json' },
              payload: JSON.stringify({ ...customersBody(), FK_MOBILE_COUNTRY: 784 }),
            }),
        ],
        [
          'a CBSS login with a NUL in the identity',
          'cbss',
          () => cbssClient(h).call(CBSS_PATHS.login, { Identity: `user${NUL}`, Password: 'whatever-1' }),
        ],
        [
          'a CBSS query value with a DEL',
          'cbss',
          () =>
            cbssClient(h).call(
              CBSS_PATHS.login,
              { Identity: uniqueEmail(), Password: 'whatever-1' },
              { language: 'en\u007f' },
            ),
        ],
        [
          'a Vonage receipt with a NUL in its id',
          'webhook',
          () =>
            h.app.http.inject({
              method: 'POST',
              url: '/webhooks/sms/vonage',
              payload: { messageId: `0B00${NUL}`, status: 'delivered', sig: 'unchecked' },
            }),
        ],
      ];

      it.each(cases)('refuses %s as bad input, never with a 500', async (_case, face, send) => {
        expectRefusedInput(face, await send());
      });

      it('names the field that holds the control character', async () => {
        const reply = await h.app.http.inject({
          method: 'POST',
          url: '/v1/customers',
          headers: AUTH,
          payload: { ...nativeCustomer(), nameEn: `Sara${NUL}Ali` },
        });
        expect(reply.json().error.details).toEqual([
          { field: '/nameEn', problem: 'holds a control character' },
        ]);
      });

      it('keeps tabs and line breaks in body text', async () => {
        const notes = 'line one\r\nline two\tend';
        const reply = await h.app.http.inject({
          method: 'PATCH',
          url: `/v1/customers/${customerId}`,
          headers: AUTH,
          payload: { notes },
        });
        expect(reply.statusCode).toBe(200);
        expect(reply.json().notes).toBe(notes);
      });
    },
  );
}
