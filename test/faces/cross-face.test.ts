/**
 * The faces share one domain: a customer registered through CUSTOMERS, verified there, changes its
 * number through CBSS and is read, changed, through the native API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cbssClient } from '../support/cbss-client.js';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

const UAE = 784;
const PASSWORD = 'shared domain pw 1';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `one domain behind every face on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let h: Harness;
      beforeAll(async () => {
        h = await startHarness(backend);
      });
      afterAll(async () => h?.close());

      it('lets a customer registered through CUSTOMERS change its number through CBSS, seen by the native API', async () => {
        const phone = uniquePhone();
        const email = uniqueEmail();
        const registered = await h.app.http.inject({
          method: 'POST',
          url: '/api/CUSTOMERS?foreigns=false',
          headers: { ...AUTH, 'content-type': 'application/json' },
          payload: {
            CUSTOMER_NAME_EN: 'Mariam Yousef',
            CUSTOMER_NAME_AR: 'مريم يوسف',
            EMAIL: email,
            MOBILE_NO: phone.slice(4), // national digits of a +971 number
            LOGIN_PASSWORD: PASSWORD,
            FK_MOBILE_COUNTRY: UAE,
            FK_EMIRATE: 2,
            ACTIVE: true,
          },
        });
        const created = registered.json();
        expect(created.Status.Success).toBe(true);
        const customer = created.DATA[0] as { CUSTOMER_ID: number; CUSTOMER_ID_IMAGE: string };

        const code = await h.lastCode(phone);
        const verified = await h.app.http.inject({
          method: 'POST',
          url: `/api/CUSTOMERS/VERIFY_OTP?CUSTOMERId=${customer.CUSTOMER_ID}&Token=${created.Token}&OTP=${code}`,
          headers: AUTH,
        });
        expect(verified.json().Status.Success).toBe(true);

        const cbss = cbssClient(h);
        const { loginSalt, customerId } = await cbss.login(email, PASSWORD);
        expect(customerId).toBe(customer.CUSTOMER_ID);
        const newPhone = uniquePhone();
        const step1 = await cbss.changeMobilePhoneNumber(loginSalt, { password: PASSWORD, newPhone });
        expect(step1.json()).toMatchObject({ IsSuccessful: true });
        const step2 = await cbss.confirmMobilePhoneNumber(loginSalt, await h.lastCode(newPhone));
        expect(step2.statusCode).toBe(200);
        expect(step2.json().IsSuccessful).toBe(true);

        const native = await h.app.http.inject({
          method: 'GET',
          url: `/v1/customers/${customer.CUSTOMER_ID_IMAGE}`,
          headers: AUTH,
        });
        expect(native.json()).toMatchObject({
          id: customer.CUSTOMER_ID_IMAGE,
          number: customer.CUSTOMER_ID,
          email,
          phone: newPhone,
          phoneVerified: true,
          pendingPhoneChange: null,
          emirateId: 2,
          mobileCountryId: UAE,
        });

        // The old number was told; the verified new one is what every face now shows.
        await h.app.dispatcher.drain();
        expect(h.outbox().filter((sms) => sms.to === phone)).toHaveLength(2);
        const relogin = await cbss.login(newPhone, PASSWORD);
        expect(relogin.customerId).toBe(customer.CUSTOMER_ID);
      });
    },
  );
}
