import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

const PASSWORD = 'correct horse battery';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`phone-number change on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend);
    });
    afterAll(async () => h?.close());

    const post = (url: string, payload: object) =>
      h.app.http.inject({ method: 'POST', url, headers: AUTH, payload });
    const getCustomer = async (id: string) =>
      (await h.app.http.inject({ method: 'GET', url: `/v1/customers/${id}`, headers: AUTH })).json();
    const register = async (phone = uniquePhone()) =>
      (
        await post('/v1/customers', { nameEn: 'Omar Saleh', email: uniqueEmail(), phone, password: PASSWORD })
      ).json().customer as { id: string; phone: string };

    it('refuses a wrong password and changes nothing', async () => {
      const customer = await register();
      const newPhone = uniquePhone();
      const reply = await post(`/v1/customers/${customer.id}/phone-change`, {
        password: 'not the password',
        newPhone,
      });
      expect(reply.statusCode).toBe(403);
      expect(reply.json().error.code).toBe('wrong_password');
      await h.app.dispatcher.drain();
      expect(h.outbox().some((sms) => sms.to === newPhone)).toBe(false);
      expect(await getCustomer(customer.id)).toMatchObject({
        phone: customer.phone,
        pendingPhoneChange: null,
      });
    });

    it('texts a code to the new number, shows the pending change, switches on the right code and tells the old number', async () => {
      const customer = await register();
      const newPhone = uniquePhone();
      // In English: without a locale, a UAE number's texts (and the notice) would be in Arabic.
      const started = await post(`/v1/customers/${customer.id}/phone-change`, {
        password: PASSWORD,
        newPhone,
        locale: 'en',
      });
      expect(started.statusCode).toBe(202);
      expect(started.json().verification).toMatchObject({
        to: newPhone,
        purpose: 'phone_change',
        status: 'pending',
      });
      expect(started.json().customer.pendingPhoneChange).toMatchObject({ phone: newPhone });
      expect(started.json().customer.phone).toBe(customer.phone);

      const code = await h.lastCode(newPhone);
      const wrong = code === '000000' ? '111111' : '000000';
      const refused = await post(`/v1/customers/${customer.id}/phone-change/confirm`, { code: wrong });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error.code).toBe('code_incorrect');
      expect((await getCustomer(customer.id)).phone).toBe(customer.phone);

      const confirmed = await post(`/v1/customers/${customer.id}/phone-change/confirm`, { code });
      expect(confirmed.statusCode).toBe(200);
      expect(confirmed.json()).toMatchObject({
        phone: newPhone,
        phoneVerified: true,
        pendingPhoneChange: null,
      });

      await h.app.dispatcher.drain();
      const notice = h
        .outbox()
        .filter((sms) => sms.to === customer.phone)
        .at(-1);
      expect(notice?.text).toMatch(/changed|replaced/i);
      expect(notice?.text).not.toContain(newPhone);

      const again = await post(`/v1/customers/${customer.id}/phone-change/confirm`, { code });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('no_pending_phone_change');
    });

    it('refuses a new number that another customer already has', async () => {
      const a = await register();
      const b = await register();
      const reply = await post(`/v1/customers/${a.id}/phone-change`, {
        password: PASSWORD,
        newPhone: b.phone,
      });
      expect(reply.statusCode).toBe(409);
      expect(reply.json().error.code).toBe('phone_taken');
    });

    it('refuses to confirm when no change is pending, and answers 404 for an unknown customer', async () => {
      const customer = await register();
      const none = await post(`/v1/customers/${customer.id}/phone-change/confirm`, { code: '123456' });
      expect(none.json().error.code).toBe('no_pending_phone_change');
      const unknown = await post('/v1/customers/00000000-0000-4000-8000-000000000000/phone-change', {
        password: PASSWORD,
        newPhone: uniquePhone(),
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('customer_not_found');
    });
  });
}
