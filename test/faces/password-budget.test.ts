/**
 * One password budget per customer, whichever path checks the password: CBSS login by phone or by
 * email, and a phone change on the native API or CBSS. Ten wrong passwords lock the customer for 15
 * minutes, doubling on each repeat lock; while locked even the right password is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CBSS_PATHS, cbssClient, type CbssClient } from '../support/cbss-client.js';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

const PASSWORD = 'the right password';
const MINUTE = 60_000;

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`the password budget on ${backend.name}`, () => {
    let h: Harness;
    let cbss: CbssClient;
    beforeAll(async () => {
      h = await startHarness(backend);
      cbss = cbssClient(h);
    });
    afterAll(async () => h?.close());

    async function register() {
      const phone = uniquePhone();
      const email = uniqueEmail();
      const reply = await h.app.http.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: AUTH,
        payload: { nameEn: 'Nadia Karim', email, phone, password: PASSWORD },
      });
      expect(reply.statusCode).toBe(201);
      return { id: reply.json().customer.id as string, phone, email };
    }

    /** Each path's answer as one word: ok, wrong, locked (or the code of anything else). */
    const outcome = (status: number, code: string | undefined) =>
      status === 200 || status === 202
        ? 'ok'
        : code === 'wrong_password'
          ? 'wrong'
          : code === 'password_locked'
            ? 'locked'
            : `${status} ${code}`;

    async function cbssLogin(identity: string, password: string) {
      const reply = await cbss.call(CBSS_PATHS.login, { Identity: identity, Password: password });
      const result = outcome(reply.statusCode, reply.json().Messages?.[0]?.Code);
      if (result === 'locked') expect(Number(reply.headers['retry-after'])).toBeGreaterThan(0);
      return result;
    }

    async function nativePhoneChange(customerId: string, password: string) {
      const reply = await h.app.http.inject({
        method: 'POST',
        url: `/v1/customers/${customerId}/phone-change`,
        headers: AUTH,
        payload: { password, newPhone: uniquePhone() },
      });
      const result = outcome(reply.statusCode, reply.json().error?.code);
      if (result === 'locked') {
        expect(reply.statusCode).toBe(429);
        expect(Number(reply.headers['retry-after'])).toBeGreaterThan(0);
      }
      return result;
    }

    it('evaluates at most 10 of 36 concurrent wrong passwords over three paths, then refuses the right one on each', async () => {
      const customer = await register();
      const guesses = Array.from({ length: 36 }, (_, i) => {
        const password = `wrong guess ${i}`;
        if (i % 3 === 0) return cbssLogin(customer.phone, password);
        if (i % 3 === 1) return cbssLogin(customer.email, password);
        return nativePhoneChange(customer.id, password);
      });
      const results = await Promise.all(guesses);
      expect(results.filter((r) => r === 'wrong')).toHaveLength(10);
      expect(results.filter((r) => r === 'locked')).toHaveLength(26);

      expect(await cbssLogin(customer.phone, PASSWORD)).toBe('locked');
      expect(await cbssLogin(customer.email, PASSWORD)).toBe('locked');
      expect(await nativePhoneChange(customer.id, PASSWORD)).toBe('locked');

      h.clock.advance(15 * MINUTE);
      expect(await cbssLogin(customer.email, PASSWORD)).toBe('ok');
    });

    it('doubles each repeat lock, and a success starts the budget again', async () => {
      const customer = await register();
      const tenWrong = async () => {
        for (let i = 0; i < 10; i++) expect(await cbssLogin(customer.phone, `guess ${i}`)).toBe('wrong');
      };
      await tenWrong();
      h.clock.advance(15 * MINUTE);
      await tenWrong();
      // The second lock lasts 30 minutes.
      h.clock.advance(15 * MINUTE);
      expect(await cbssLogin(customer.phone, PASSWORD)).toBe('locked');
      h.clock.advance(15 * MINUTE);
      expect(await nativePhoneChange(customer.id, PASSWORD)).toBe('ok');
      // After a success the next lock is 15 minutes again.
      await tenWrong();
      h.clock.advance(15 * MINUTE);
      expect(await cbssLogin(customer.phone, PASSWORD)).toBe('ok');
    });

    it('locks the step 1 of a CBSS phone change with the same budget as the login', async () => {
      const customer = await register();
      const { loginSalt } = await cbss.login(customer.phone, PASSWORD);
      for (let i = 0; i < 10; i++) {
        const reply = await cbss.changeMobilePhoneNumber(loginSalt, {
          password: `guess ${i}`,
          newPhone: uniquePhone(),
        });
        expect(reply.json().Messages[0].Code).toBe('wrong_password');
      }
      const right = await cbss.changeMobilePhoneNumber(loginSalt, {
        password: PASSWORD,
        newPhone: uniquePhone(),
      });
      expect(right.statusCode).toBe(429);
      expect(right.json().Messages[0].Code).toBe('password_locked');
      expect(await cbssLogin(customer.email, PASSWORD)).toBe('locked');
    });

    it('locks an identity nobody has exactly as it locks a customer, so a lock-out tells nobody who exists', async () => {
      const customer = await register();
      const nobody = uniqueEmail();
      const sequence = async (identity: string) => {
        const results: string[] = [];
        for (let i = 0; i < 11; i++) results.push(await cbssLogin(identity, `guess ${i}`));
        return results;
      };
      const known = await sequence(customer.email);
      expect(known).toEqual([...Array<string>(10).fill('wrong'), 'locked']);
      expect(await sequence(nobody)).toEqual(known);
    });
  });
}
