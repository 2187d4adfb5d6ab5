/**
 * Security events: wrong codes and the lock-out they cause, a password refused, a phone changed and a
 * signature refused are each recorded with who and what; a client lists its own tenant's.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cbssClient, CBSS_PATHS } from '../support/cbss-client.js';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

const PASSWORD = 'security events pw 1';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`security events on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend, { MAX_FAILED_CHECKS_PER_PHONE: '2' });
    });
    afterAll(async () => h?.close());

    const post = (url: string, payload: object) =>
      h.app.http.inject({ method: 'POST', url, headers: AUTH, payload });
    const events = async (type: string) => {
      await h.app.domain.securityEvents.settled();
      const reply = await h.app.http.inject({ method: 'GET', url: `/v1/events?type=${type}`, headers: AUTH });
      return reply.json().data as {
        type: string;
        clientId: string | null;
        ip: string | null;
        subject: string;
        summary: string;
      }[];
    };

    it('records wrong codes and the lock-out they cause, with the masked number', async () => {
      const to = uniquePhone();
      const { id } = (await post('/v1/verifications', { to })).json();
      for (let i = 0; i < 2; i += 1) await post(`/v1/verifications/${id}/check`, { code: '000000' });
      const masked = `${to.slice(0, 4)}${'*'.repeat(to.length - 7)}${to.slice(-3)}`;
      expect((await events('check_failed')).map((e) => e.summary)).toEqual([
        `wrong code for ${masked} (check 1 of 5)`,
        `wrong code for ${masked} (check 2 of 5)`,
      ]);
      expect((await events('phone_locked_out')).map((e) => e.subject)).toEqual([masked]);
    });

    it('records a password refused at the edge with the client and address, and a phone changed', async () => {
      const registered = await post('/v1/customers', {
        nameEn: 'Huda Nasser',
        email: uniqueEmail(),
        phone: uniquePhone(),
        password: PASSWORD,
      });
      const customer = registered.json().customer as { id: string };
      const refused = await post(`/v1/customers/${customer.id}/phone-change`, {
        password: 'not the password',
        newPhone: uniquePhone(),
      });
      expect(refused.statusCode).toBe(403);
      const [passwordEvent] = await events('password_refused');
      expect(passwordEvent).toMatchObject({
        type: 'password_refused',
        ip: '127.0.0.1',
        subject: 'POST /v1/customers/:id/phone-change',
      });
      expect(passwordEvent?.clientId).toMatch(/^[0-9a-f-]{36}$/);

      const newPhone = uniquePhone();
      const started = await post(`/v1/customers/${customer.id}/phone-change`, {
        password: PASSWORD,
        newPhone,
      });
      expect(started.statusCode).toBe(202);
      const confirmed = await post(`/v1/customers/${customer.id}/phone-change/confirm`, {
        code: await h.lastCode(newPhone),
      });
      expect(confirmed.statusCode).toBe(200);
      expect((await events('phone_changed')).map((e) => e.summary)).toEqual([
        expect.stringMatching(
          new RegExp(`^customer ${customer.id}: phone \\+971\\*+\\d{3} replaced by \\+971\\*+\\d{3}$`),
        ),
      ]);
    });

    it('records a refused signature for the operator (no client is known before it is checked)', async () => {
      const reply = await cbssClient(h).call(
        CBSS_PATHS.login,
        { Identity: 'x@example.com', Password: 'x' },
        { signature: 'f'.repeat(64) },
      );
      expect(reply.statusCode).toBe(401);
      await h.app.domain.securityEvents.settled();
      const { rows } = await sql<{ tenant: string | null; summary: string }>`
        SELECT tenant, summary FROM security_events WHERE type = 'signature_refused'`.execute(
        h.app.database.db,
      );
      expect(rows).toEqual([
        { tenant: null, summary: 'signature_invalid on POST /api/Customer/Login from 127.0.0.1' },
      ]);
    });
  });
}
