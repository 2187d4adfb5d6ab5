/** The customer rules live once, in the domain: the native API keeps the ones the CUSTOMERS face had. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

const UAE = 784;
const IRAN = 364;
const PASSWORD = 'correct horse battery';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`customer rules on the native API on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend);
    });
    afterAll(async () => h?.close());

    const register = (fields: Record<string, unknown>) =>
      h.app.http.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: AUTH,
        payload: {
          nameEn: 'Omar Ali',
          email: uniqueEmail(),
          phone: uniquePhone(),
          password: PASSWORD,
          ...fields,
        },
      });

    it('refuses a mobile country or an emirate that does not exist, naming the field', async () => {
      const country = await register({ mobileCountryId: 999 });
      expect(country.statusCode).toBe(400);
      expect(country.json().error).toMatchObject({
        code: 'invalid_reference',
        details: [{ field: '/mobileCountryId' }],
      });
      const emirate = await register({ emirateId: 99 });
      expect(emirate.statusCode).toBe(400);
      expect(emirate.json().error.details).toEqual([expect.objectContaining({ field: '/emirateId' })]);
      const created = await register({ mobileCountryId: UAE, emirateId: 1 });
      expect(created.statusCode).toBe(201);
      const update = await h.app.http.inject({
        method: 'PATCH',
        url: `/v1/customers/${created.json().customer.id}`,
        headers: AUTH,
        payload: { emirateId: 42 },
      });
      expect(update.statusCode).toBe(400);
    });

    it('reads a national number in the mobile country’s country', async () => {
      const national = `0${uniquePhone().slice(4)}`;
      const created = await register({ phone: national, mobileCountryId: UAE });
      expect(created.statusCode).toBe(201);
      expect(created.json().customer.phone).toBe(`+971${national.slice(1)}`);
    });

    it('moves the mobile country with the number when a phone change is confirmed', async () => {
      const created = await register({});
      const id = created.json().customer.id as string;
      expect(created.json().customer.mobileCountryId).toBe(UAE);
      const iranian = `+98912${String(Date.now() % 10_000_000).padStart(7, '0')}`;
      const started = await h.app.http.inject({
        method: 'POST',
        url: `/v1/customers/${id}/phone-change`,
        headers: AUTH,
        payload: { password: PASSWORD, newPhone: iranian },
      });
      expect(started.statusCode).toBe(202);
      const code = await h.lastCode(iranian);
      const confirmed = await h.app.http.inject({
        method: 'POST',
        url: `/v1/customers/${id}/phone-change/confirm`,
        headers: AUTH,
        payload: { code },
      });
      expect(confirmed.json()).toMatchObject({ phone: iranian, mobileCountryId: IRAN });
    });
  });
}
