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
import { shapeMismatches } from '../support/contract.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/customers/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const insertRequest = fixture('insert-customer.request');
const insertResponse = fixture('insert-customer.response');
const sendOtpResponse = fixture('send-otp.response');

/** The reply fields otpgate answers null (documented samples have values): see faces/customers/map.ts. */
const NULLABLE = new Set(
  [
    'CUSTOMER_NAME_AR',
    'FK_EMIRATE',
    'LOGIN_PASSWORD',
    'FK_MOBILE_COUNTRY',
    'NOTES',
    'LAST_NOTIFY_DELETE',
    'FK_USER',
    'FK_GROUP',
    'COUNTRIES',
    'EMIRATES',
  ].map((field) => `DATA[].${field}`),
);

const UAE = 784;
const PASSWORD = 'Sample-Password-5c81e2';
/** The national part of a +971 number, as CUSTOMERS clients send MOBILE_NO. */
const national = (e164: string) => e164.slice(4);

/** The documented sample with real values where it has placeholders. */
function documentedBody(phone: string, email = uniqueEmail()) {
  return {
    ...insertRequest,
    CUSTOMER_NAME_AR: 'ليلى حداد',
    CUSTOMER_NAME_EN: 'Layla Haddad',
    EMAIL: email,
    MOBILE_NO: national(phone),
    LOGIN_PASSWORD: PASSWORD,
    FK_MOBILE_COUNTRY: UAE,
    NOTES: 'Prefers Arabic',
  };
}

for (const { backend, skip } of contractBackends) {
  describe.skipIf(skip !== false)(`CUSTOMERS face on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend);
    });
    afterAll(async () => h?.close());

    const replies: string[] = [];
    const call = async (
      method: 'GET' | 'POST',
      url: string,
      payload?: object,
      headers: Record<string, string> = AUTH,
    ) => {
      const reply = await h.app.http.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      replies.push(reply.payload);
      expect(reply.statusCode).toBeLessThan(500);
      return reply;
    };
    const insert = (body: object, query = '?foreigns=false') => call('POST', `/api/CUSTOMERS${query}`, body);
    const sendOtp = (customerId: number, query = '') =>
      call('POST', `/api/CUSTOMERS/SEND_OTP?CUSTOMERId=${customerId}${query}`);
    const verifyOtp = (customerId: number, token: string, otp: string) =>
      call('POST', `/api/CUSTOMERS/VERIFY_OTP?CUSTOMERId=${customerId}&Token=${token}&OTP=${otp}`);
    const customerCount = async () =>
      Number(
        (
          await h.app.database.db
            .selectFrom('customers')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

    it('answers the documented insert request with every documented field in its documented type', async () => {
      const phone = uniquePhone();
      const reply = await insert(documentedBody(phone), '?foreigns=true');
      expect(reply.statusCode).toBe(200);
      const body = reply.json();
      expect(shapeMismatches(body, insertResponse, NULLABLE)).toEqual([]);
      expect(body.Status).toMatchObject({ Success: true, Code: 0, CartErrors: [] });
      expect(body.Token).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.DATA).toHaveLength(1);
      expect(body.DATA[0]).toMatchObject({
        CUSTOMER_NAME_EN: 'Layla Haddad',
        CUSTOMER_NAME_AR: 'ليلى حداد',
        MOBILE_NO: national(phone),
        FK_MOBILE_COUNTRY: UAE,
        FK_EMIRATE: 1,
        ACTIVE: true,
        NOTES: 'Prefers Arabic',
        LOGIN_PASSWORD: null,
        COUNTRIES: { COUNTRY_ID: UAE, COUNTRY_CODE2: 'AE', COUNTRY_CODE3: 'ARE', CALLING_CODE: '971' },
        EMIRATES: { EMIRATE_ID: 1, EMIRATE_NAME_EN: 'Abu Dhabi' },
      });
      // The server assigns the ids, whatever the sample body carried.
      expect(body.DATA[0].CUSTOMER_ID_IMAGE).not.toBe(insertRequest.CUSTOMER_ID_IMAGE);
      expect(Number.isInteger(body.DATA[0].CUSTOMER_ID)).toBe(true);
    });

    it('answers SEND_OTP in the documented shape with a new Token for a new SMS', async () => {
      const phone = uniquePhone();
      const created = (await insert(documentedBody(phone))).json();
      await h.app.dispatcher.drain(); // else the new code retires the first text before it goes out
      const reply = await sendOtp(created.DATA[0].CUSTOMER_ID, '&foreigns=true');
      expect(reply.statusCode).toBe(200);
      const body = reply.json();
      expect(shapeMismatches(body, sendOtpResponse, NULLABLE)).toEqual([]);
      expect(body.Status.Success).toBe(true);
      expect(body.Token).not.toBe(created.Token);
      expect(body.DATA[0].CUSTOMER_ID_IMAGE).toBe(created.DATA[0].CUSTOMER_ID_IMAGE);
      await h.app.dispatcher.drain();
      expect(h.outbox().filter((sms) => sms.to === phone)).toHaveLength(2);
    });

    it('leaves the nested COUNTRIES and EMIRATES null unless foreigns is true', async () => {
      const reply = await insert(documentedBody(uniquePhone()), '?foreigns=');
      expect(reply.json().DATA[0]).toMatchObject({ COUNTRIES: null, EMIRATES: null, FK_MOBILE_COUNTRY: UAE });
    });

    it('verifies the OTP of the Token, and the native API then shows the number verified', async () => {
      const phone = uniquePhone();
      const created = (await insert(documentedBody(phone))).json();
      const { CUSTOMER_ID: customerId, CUSTOMER_ID_IMAGE: id } = created.DATA[0];
      const before = await call('GET', `/v1/customers/${id}`);
      expect(before.statusCode).toBe(200);
      expect(before.json()).toMatchObject({ number: customerId, phone, phoneVerified: false });

      const code = await h.lastCode(phone);
      const verified = await verifyOtp(customerId, created.Token, code);
      expect(verified.statusCode).toBe(200);
      expect(verified.json()).toMatchObject({
        Status: { Success: true, Code: 0 },
        Token: created.Token,
        DATA: [{ CUSTOMER_ID: customerId }],
      });
      expect(shapeMismatches(verified.json(), sendOtpResponse, NULLABLE)).toEqual([]);
      const after = await call('GET', `/v1/customers/${id}`);
      expect(after.json().phoneVerified).toBe(true);
    });

    it('verifies the newest Token after SEND_OTP and refuses the one it replaced', async () => {
      const phone = uniquePhone();
      const created = (await insert(documentedBody(phone))).json();
      const customerId = created.DATA[0].CUSTOMER_ID as number;
      const firstCode = await h.lastCode(phone);
      const resent = (await sendOtp(customerId)).json();
      const code = await h.lastCode(phone);
      const old = (await verifyOtp(customerId, created.Token, firstCode)).json();
      expect(old.Status).toMatchObject({ Success: false, Code: 409 });
      expect(old.Status.DetailedMessage).toMatch(/^verification_canceled/);
      const ok = (await verifyOtp(customerId, resent.Token, code)).json();
      expect(ok.Status.Success).toBe(true);
    });

    it('refuses a wrong code with Success false and the attempts left, then a spent Token', async () => {
      const phone = uniquePhone();
      const created = (await insert(documentedBody(phone))).json();
      const customerId = created.DATA[0].CUSTOMER_ID as number;
      const code = await h.lastCode(phone);
      const wrong = await verifyOtp(customerId, created.Token, wrongCode(code));
      expect(wrong.statusCode).toBe(200);
      expect(wrong.json()).toMatchObject({ Status: { Success: false, Code: 422 }, Token: null, DATA: [] });
      expect(wrong.json().Status.MessageEn).toContain('OTP');
      expect(wrong.json().Status.MessageAr).toContain('الرمز غير صحيح');
      expect(wrong.json().Status.DetailedMessage).toBe('code_incorrect; OTP: 4 attempts left');
      for (let i = 0; i < 3; i++) await verifyOtp(customerId, created.Token, wrongCode(code));
      const fifth = (await verifyOtp(customerId, created.Token, wrongCode(code))).json();
      expect(fifth.Status).toMatchObject({ Success: false, Code: 409 });
      expect(fifth.Status.DetailedMessage).toBe('max_attempts_reached');
      const spent = (await verifyOtp(customerId, created.Token, code)).json();
      expect(spent.Status).toMatchObject({ Success: false, Code: 409 });
      expect(spent.Status.DetailedMessage).toBe('max_attempts_reached');
      const customer = await call('GET', `/v1/customers/${created.DATA[0].CUSTOMER_ID_IMAGE}`);
      expect(customer.json().phoneVerified).toBe(false);
    });

    it('refuses an expired code and a code that was already used', async () => {
      const phone = uniquePhone();
      const created = (await insert(documentedBody(phone))).json();
      const customerId = created.DATA[0].CUSTOMER_ID as number;
      const code = await h.lastCode(phone);
      h.clock.advance(10 * 60 * 1000 + 1);
      const expired = (await verifyOtp(customerId, created.Token, code)).json();
      expect(expired.Status).toMatchObject({ Success: false, Code: 409 });
      expect(expired.Status.DetailedMessage).toBe('verification_expired');
      expect(expired.Status.MessageEn).toBe('The code has expired. (Token)');

      const resent = (await sendOtp(customerId)).json();
      const fresh = await h.lastCode(phone);
      expect((await verifyOtp(customerId, resent.Token, fresh)).json().Status.Success).toBe(true);
      const again = (await verifyOtp(customerId, resent.Token, fresh)).json();
      expect(again.Status.DetailedMessage).toBe('verification_approved');
    });

    it("refuses a Token that is another customer's, and unknown customers", async () => {
      const a = (await insert(documentedBody(uniquePhone()))).json();
      const bPhone = uniquePhone();
      const b = (await insert(documentedBody(bPhone))).json();
      const code = await h.lastCode(bPhone);
      const crossed = (await verifyOtp(a.DATA[0].CUSTOMER_ID, b.Token, code)).json();
      expect(crossed.Status).toMatchObject({ Success: false, Code: 404 });
      expect(crossed.Status.DetailedMessage).toBe('verification_not_found');

      for (const reply of [
        await sendOtp(2_000_000_000),
        await sendOtp(9_999_999_999),
        await verifyOtp(2_000_000_000, b.Token, code),
      ]) {
        expect(reply.statusCode).toBe(200);
        expect(reply.json().Status).toMatchObject({ Success: false, Code: 404 });
        expect(reply.json().Status.MessageEn).toContain('CUSTOMERId');
      }
      // The right customer's code still works: refusals elsewhere spent nothing.
      expect((await verifyOtp(b.DATA[0].CUSTOMER_ID, b.Token, code)).json().Status.Success).toBe(true);
    });

    it('refuses invalid fields naming them in English and Arabic, and writes no row', async () => {
      const base = documentedBody(uniquePhone());
      const cases: [object, string][] = [
        [{ ...base, CUSTOMER_NAME_EN: undefined }, 'CUSTOMER_NAME_EN'],
        [{ ...base, CUSTOMER_NAME_EN: null }, 'CUSTOMER_NAME_EN'],
        [{ ...base, CUSTOMER_NAME_EN: 'x'.repeat(401) }, 'CUSTOMER_NAME_EN'],
        [{ ...base, CUSTOMER_NAME_EN: '' }, 'CUSTOMER_NAME_EN'],
        [{ ...base, EMAIL: `${'e'.repeat(95)}@x.com` }, 'EMAIL'],
        [{ ...base, EMAIL: 'not-an-email' }, 'EMAIL'],
        [{ ...base, MOBILE_NO: '12' }, 'MOBILE_NO'],
        [{ ...base, MOBILE_NO: '5'.repeat(51) }, 'MOBILE_NO'],
        [{ ...base, MOBILE_NO: national(uniquePhone()), FK_MOBILE_COUNTRY: undefined }, 'MOBILE_NO'],
        [{ ...base, LOGIN_PASSWORD: null }, 'LOGIN_PASSWORD'],
        [{ ...base, LOGIN_PASSWORD: 'p'.repeat(101) }, 'LOGIN_PASSWORD'],
        [{ ...base, LOGIN_PASSWORD: 'short' }, 'LOGIN_PASSWORD'],
        [{ ...base, NOTES: 'n'.repeat(501) }, 'NOTES'],
        [{ ...base, FK_MOBILE_COUNTRY: 999 }, 'FK_MOBILE_COUNTRY'],
        [{ ...base, FK_EMIRATE: 99 }, 'FK_EMIRATE'],
        [{ ...base, ACTIVE: 'yes' }, 'ACTIVE'],
      ];
      const before = await customerCount();
      for (const [body, field] of cases) {
        const reply = await insert(body);
        expect(reply.statusCode, field).toBe(200);
        const { Status, Token, DATA } = reply.json();
        expect(Status.Success, field).toBe(false);
        expect(Status.Code, field).toBe(400);
        expect(Status.MessageEn, field).toContain(field);
        expect(Status.MessageAr, field).toContain(field);
        expect(Status.MessageAr, field).toMatch(/[\u0600-\u06FF]/);
        expect(Token).toBeNull();
        expect(DATA).toEqual([]);
      }
      const unparsable = await h.app.http.inject({
        method: 'POST',
        url: '/api/CUSTOMERS',
        headers: { ...AUTH, 'content-type': 'application/json' },
        payload: '{"CUSTOMER_NAME_EN": ',
      });
      expect(unparsable.statusCode).toBe(200);
      expect(unparsable.json().Status).toMatchObject({
        Success: false,
        Code: 400,
        DetailedMessage: 'invalid_json',
      });
      const plain = await h.app.http.inject({
        method: 'POST',
        url: '/api/CUSTOMERS',
        headers: { ...AUTH, 'content-type': 'text/plain' },
        payload: JSON.stringify(base),
      });
      expect(plain.statusCode).toBe(415);
      expect(plain.json().Status).toMatchObject({ Success: false, Code: 415 });
      expect(await customerCount()).toBe(before);
      await h.app.dispatcher.drain();
      expect(h.outbox().some((sms) => sms.to === `+971${base.MOBILE_NO}`)).toBe(false);
    });

    it('takes a form-urlencoded CUSTOMERS body, its numbers and booleans read as its JSON form gives them', async () => {
      const phone = uniquePhone();
      const form = (fields: Record<string, string>) =>
        h.app.http.inject({
          method: 'POST',
          url: '/api/CUSTOMERS?foreigns=true',
          headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(fields).toString(),
        });
      const fields = {
        CUSTOMER_NAME_EN: 'Layla Haddad',
        CUSTOMER_NAME_AR: '',
        EMAIL: uniqueEmail(),
        MOBILE_NO: national(phone),
        LOGIN_PASSWORD: PASSWORD,
        FK_MOBILE_COUNTRY: String(UAE),
        FK_EMIRATE: '1',
        ACTIVE: 'False',
        NOTES: 'Prefers Arabic & forms',
      };
      const reply = await form(fields);
      expect(reply.statusCode).toBe(200);
      expect(reply.json().Status.Success).toBe(true);
      expect(reply.json().DATA[0]).toMatchObject({
        CUSTOMER_NAME_AR: null,
        MOBILE_NO: national(phone),
        FK_MOBILE_COUNTRY: UAE,
        FK_EMIRATE: 1,
        ACTIVE: false,
        NOTES: 'Prefers Arabic & forms',
        EMIRATES: { EMIRATE_ID: 1 },
      });

      const refused = await form({ ...fields, EMAIL: uniqueEmail(), FK_MOBILE_COUNTRY: 'UAE' });
      expect(refused.statusCode).toBe(200);
      expect(refused.json().Status).toMatchObject({ Success: false, Code: 400 });
      expect(refused.json().Status.DetailedMessage).toContain('FK_MOBILE_COUNTRY');
    });

    it('refuses an email or a number that is already registered, naming the field', async () => {
      const phone = uniquePhone();
      const email = uniqueEmail();
      await insert(documentedBody(phone, email));
      const sameEmail = (await insert(documentedBody(uniquePhone(), email.toUpperCase()))).json();
      expect(sameEmail.Status).toMatchObject({ Success: false, Code: 409 });
      expect(sameEmail.Status.MessageEn).toContain('EMAIL');
      const samePhone = (await insert(documentedBody(phone))).json();
      expect(samePhone.Status).toMatchObject({ Success: false, Code: 409 });
      expect(samePhone.Status.MessageAr).toContain('MOBILE_NO');
    });

    it('takes a text/json body, a national number with its trunk 0, and query names in any case', async () => {
      const phone = uniquePhone();
      const reply = await h.app.http.inject({
        method: 'POST',
        url: '/api/CUSTOMERS?FOREIGNS=True',
        headers: { ...AUTH, 'content-type': 'text/json; charset=utf-8' },
        payload: JSON.stringify({ ...documentedBody(phone), MOBILE_NO: `0${national(phone)}` }),
      });
      expect(reply.statusCode).toBe(200);
      const created = reply.json();
      expect(created.Status.Success).toBe(true);
      expect(created.DATA[0]).toMatchObject({ MOBILE_NO: national(phone), COUNTRIES: { COUNTRY_ID: UAE } });
      const resent = await h.app.http.inject({
        method: 'POST',
        url: `/api/CUSTOMERS/SEND_OTP?customerid=${created.DATA[0].CUSTOMER_ID}`,
        headers: { ...AUTH, 'content-type': 'application/json' },
        payload: '',
      });
      expect(resent.json().Status.Success).toBe(true);
    });

    it('answers a request without a valid client key with HTTP 401 in the same envelope', async () => {
      for (const headers of [{}, { authorization: 'Bearer not-a-key' }] as Record<string, string>[]) {
        const reply = await call('POST', '/api/CUSTOMERS', documentedBody(uniquePhone()), headers);
        expect(reply.statusCode).toBe(401);
        expect(reply.json()).toMatchObject({ Status: { Success: false, Code: 401 }, Token: null, DATA: [] });
      }
      const list = await call('GET', '/api/COUNTRIES', undefined, {});
      expect(list.statusCode).toBe(401);
      expect(list.json().Status.Success).toBe(false);
    });

    it('answers too many SMS to one number with HTTP 429 and Retry-After in the same envelope', async () => {
      const phone = uniquePhone();
      const created = (await insert(documentedBody(phone))).json();
      const customerId = created.DATA[0].CUSTOMER_ID as number;
      for (let i = 0; i < 4; i++) expect((await sendOtp(customerId)).json().Status.Success).toBe(true);
      const limited = await sendOtp(customerId);
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.json().Status).toMatchObject({ Success: false, Code: 429 });
      expect(limited.json().Status.DetailedMessage).toBe('too_many_sends');
    });

    it('lists COUNTRIES and EMIRATES in the documented casing', async () => {
      const countries = await call('GET', '/api/COUNTRIES');
      expect(countries.statusCode).toBe(200);
      const { DATA } = countries.json();
      const countrySample = (insertResponse.DATA as { COUNTRIES: object }[])[0]?.COUNTRIES;
      expect(shapeMismatches(DATA, [countrySample])).toEqual([]);
      expect(DATA.find((row: { COUNTRY_ID: number }) => row.COUNTRY_ID === UAE)).toEqual({
        COUNTRY_ID: UAE,
        COUNTRY_NO: UAE,
        CALLING_CODE: '971',
        COUNTRY_NAME_AR: 'الإمارات العربية المتحدة',
        COUNTRY_NAME_EN: 'United Arab Emirates',
        COUNTRY_CODE2: 'AE',
        COUNTRY_CODE3: 'ARE',
      });
      const emirates = await call('GET', '/api/EMIRATES');
      const emirateSample = (insertResponse.DATA as { EMIRATES: object }[])[0]?.EMIRATES;
      expect(shapeMismatches(emirates.json().DATA, [emirateSample])).toEqual([]);
      expect(emirates.json().DATA).toHaveLength(7);
      expect(emirates.json().Status.Success).toBe(true);
    });

    it('puts no password or code in any reply, and no code in any log line', async () => {
      const phone = uniquePhone();
      const created = (await insert(documentedBody(phone), '?foreigns=true')).json();
      const code = await h.lastCode(phone);
      await verifyOtp(created.DATA[0].CUSTOMER_ID, created.Token, wrongCode(code));
      await verifyOtp(created.DATA[0].CUSTOMER_ID, created.Token, code);
      const logged = h.logs.filter((line) => line.includes('/api/CUSTOMERS/VERIFY_OTP'));
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.some((line) => line.includes('OTP=%5Bredacted%5D'))).toBe(true);
      for (const text of [...replies, ...h.logs]) {
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(CLIENT_KEY);
        expect(text).not.toMatch(new RegExp(`\\b${code}\\b`));
      }
    });
  });

  describe.skipIf(skip !== false)(`CUSTOMERS face without client keys on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend, { FACES_WITHOUT_AUTH: 'customers' });
    });
    afterAll(async () => h?.close());

    it('serves the whole flow without a client key when FACES_WITHOUT_AUTH names customers', async () => {
      const phone = uniquePhone();
      const created = await h.app.http.inject({
        method: 'POST',
        url: '/api/CUSTOMERS',
        payload: documentedBody(phone),
      });
      expect(created.statusCode).toBe(200);
      const { Token, DATA } = created.json();
      const code = await h.lastCode(phone);
      const verified = await h.app.http.inject({
        method: 'POST',
        url: `/api/CUSTOMERS/VERIFY_OTP?CUSTOMERId=${DATA[0].CUSTOMER_ID}&Token=${Token}&OTP=${code}`,
      });
      expect(verified.json().Status.Success).toBe(true);
      const native = await h.app.http.inject({
        method: 'GET',
        url: `/v1/customers/${DATA[0].CUSTOMER_ID_IMAGE}`,
      });
      expect(native.statusCode).toBe(401);
    });
  });
}

describe('the contract check', () => {
  it('names a missing field, an undocumented one, a wrong type and an unexpected null', () => {
    const sample = { a: 1, b: 'x', c: { d: true }, e: [{ f: 1 }] };
    const actual = { a: 'one', c: { d: null }, e: [{ f: 'two' }], g: 1 };
    expect(shapeMismatches(actual, sample)).toEqual([
      'b: missing',
      'g: not in the documented sample',
      'a: string where the sample has number',
      'c.d: null where the sample has boolean',
      'e[].f: string where the sample has number',
    ]);
    const nullable = new Set(['c.d']);
    expect(shapeMismatches({ a: 1, b: 'y', c: { d: null }, e: [] }, sample, nullable)).toEqual([]);
  });
});
