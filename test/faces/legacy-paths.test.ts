import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cbssClient } from '../support/cbss-client.js';
import { contractBackends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

const PASSWORD = 'Sample-Password-5c81e2';

for (const { backend, skip } of contractBackends) {
  describe.skipIf(skip !== false)(`Legacy paths on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend);
    });
    afterAll(async () => h?.close());

    const post = (url: string, payload?: object) =>
      h.app.http.inject({ method: 'POST', url, headers: AUTH, ...(payload ? { payload } : {}) });

    it('routes CUSTOMERS paths written in any case, as ASP.NET does', async () => {
      const phone = uniquePhone();
      const inserted = await post('/api/customers?foreigns=false', {
        CUSTOMER_NAME_EN: 'Layla Haddad',
        EMAIL: uniqueEmail(),
        MOBILE_NO: phone.slice(4),
        LOGIN_PASSWORD: PASSWORD,
        FK_MOBILE_COUNTRY: 784,
      });
      expect(inserted.statusCode).toBe(200);
      const customerId = inserted.json().DATA[0].CUSTOMER_ID as number;

      const resent = await post(`/api/Customers/Send_Otp?customerid=${customerId}`);
      expect(resent.statusCode).toBe(200);
      expect(resent.json().Status.Success).toBe(true);
      const token = resent.json().Token as string;
      const otp = await h.lastCode(phone);
      const verified = await post(
        `/api/customers/verify_otp?CUSTOMERId=${customerId}&Token=${token}&OTP=${otp}`,
      );
      expect(verified.json().Status.Success).toBe(true);

      const countries = await h.app.http.inject({ method: 'GET', url: '/api/countries', headers: AUTH });
      expect(countries.statusCode).toBe(200);
      expect(countries.json().DATA.length).toBeGreaterThan(200);
    });

    it('routes CBSS paths written in any case, the query values unchanged', async () => {
      const registered = await post('/v1/customers', {
        nameEn: 'Omar Khalil',
        email: uniqueEmail(),
        phone: uniquePhone(),
        password: PASSWORD,
      });
      const cbss = cbssClient(h);
      const reply = await cbss.call('/api/CUSTOMER/login', {
        Identity: registered.json().customer.email,
        Password: PASSWORD,
      });
      expect(reply.statusCode).toBe(200);
      expect(reply.json().Content.LoginSalt).toMatch(/^[0-9a-f]{32}$/);
    });

    it('answers an unknown path with 404 in the envelope of the face it looks like', async () => {
      const customers = await post('/api/CUSTOMERS/DELETE?CUSTOMERId=1');
      expect(customers.statusCode).toBe(404);
      expect(customers.json()).toMatchObject({
        Status: { Success: false, Code: 404 },
        Token: null,
        DATA: [],
      });

      const cbss = await h.app.http.inject({
        method: 'POST',
        url: '/api/Customer/Logout?language=ar_AE',
        headers: { 'content-type': 'application/xml' },
        payload: '<Logout/>',
      });
      expect(cbss.statusCode).toBe(404);
      expect(cbss.json()).toMatchObject({ IsSuccessful: false, ClientCode: null, Content: null });
      expect(cbss.json().Messages[0].Code).toBe('not_found');

      const menuapp = await post('/api/customers/42/delete-account', {});
      expect(menuapp.statusCode).toBe(404);
      expect(menuapp.json()).toMatchObject({ status: 'ERROR', code: 404, error_code: 'not_found' });

      const bitel = await h.app.http.inject({ method: 'GET', url: '/api/v2/sms/a/b', headers: AUTH });
      expect(bitel.statusCode).toBe(404);
      expect(bitel.json()).toMatchObject({ result: null, error: { code: 'NotFound' } });

      const native = await h.app.http.inject({ method: 'GET', url: '/v1/nothing', headers: AUTH });
      expect(native.statusCode).toBe(404);
      expect(native.json().error.code).toBe('not_found');
    });

    it('keeps the native API’s paths case-sensitive', async () => {
      const reply = await h.app.http.inject({ method: 'GET', url: '/V1/Customers/x', headers: AUTH });
      expect(reply.statusCode).toBe(404);
    });
  });
}
