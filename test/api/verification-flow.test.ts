import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`verification flow on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend, {
        TEST_NUMBERS: '+15005550006:424242',
        WEBOTP_DOMAIN: 'app.example.com',
      });
    });
    afterAll(async () => h?.close());

    const post = (url: string, payload?: object) =>
      h.app.http.inject({ method: 'POST', url, headers: AUTH, ...(payload ? { payload } : {}) });
    const register = (phone = uniquePhone()) =>
      post('/v1/customers', {
        nameEn: 'Layla Haddad',
        email: uniqueEmail(),
        phone,
        password: 'correct horse battery',
      });

    it('registers a customer, texts a code, refuses a wrong code, approves the right one once', async () => {
      const phone = uniquePhone();
      const created = await register(phone);
      expect(created.statusCode).toBe(201);
      const { customer, verification } = created.json();
      expect(customer).not.toHaveProperty('password');
      expect(customer).not.toHaveProperty('passwordHash');
      expect(customer.phoneVerified).toBe(false);
      expect(verification).toMatchObject({
        to: phone,
        purpose: 'signup',
        status: 'pending',
        checks: 0,
        maxChecks: 5,
      });
      expect(verification.sends).toHaveLength(1);

      const code = await h.lastCode(phone);
      const sms = h.outbox().filter((line) => line.to === phone);
      expect(sms).toHaveLength(1);
      expect(sms[0]?.text.endsWith(`@app.example.com #${code}`)).toBe(true);

      const wrong = code === '000000' ? '111111' : '000000';
      const refused = await post(`/v1/verifications/${verification.id}/check`, { code: wrong });
      expect(refused.statusCode).toBe(200);
      expect(refused.json()).toMatchObject({ valid: false, verification: { status: 'pending', checks: 1 } });

      const approved = await post(`/v1/verifications/${verification.id}/check`, { code });
      expect(approved.statusCode).toBe(200);
      expect(approved.json()).toMatchObject({ valid: true, verification: { status: 'approved', checks: 2 } });

      const again = await post(`/v1/verifications/${verification.id}/check`, { code });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('verification_approved');

      const read = await h.app.http.inject({
        method: 'GET',
        url: `/v1/customers/${customer.id}`,
        headers: AUTH,
      });
      expect(read.json().phoneVerified).toBe(true);
    });

    it('counts exactly five of forty concurrent wrong checks and then refuses the right code', async () => {
      const phone = uniquePhone();
      const started = await post('/v1/verifications', { to: phone, purpose: 'login' });
      expect(started.statusCode).toBe(201);
      const id = started.json().id as string;
      const code = await h.lastCode(phone);
      const wrong = code === '999999' ? '888888' : '999999';

      const replies = await Promise.all(
        Array.from({ length: 40 }, () => post(`/v1/verifications/${id}/check`, { code: wrong })),
      );
      const counted = replies.filter((reply) => reply.statusCode === 200);
      expect(counted).toHaveLength(5);
      expect(replies.filter((reply) => reply.statusCode === 409)).toHaveLength(35);
      for (const reply of replies) expect(reply.statusCode).toBeLessThan(500);

      const state = await h.app.http.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: AUTH });
      expect(state.json()).toMatchObject({ status: 'max_attempts_reached', checks: 5 });

      const right = await post(`/v1/verifications/${id}/check`, { code });
      expect(right.statusCode).toBe(409);
      expect(right.json().error.code).toBe('max_attempts_reached');
    });

    it('approves once of ten concurrent checks of the right code, and counts only the one that approved', async () => {
      const phone = uniquePhone();
      const started = await post('/v1/verifications', { to: phone, purpose: 'login' });
      const id = started.json().id as string;
      const code = await h.lastCode(phone);

      const replies = await Promise.all(
        Array.from({ length: 10 }, () => post(`/v1/verifications/${id}/check`, { code })),
      );
      expect(replies.filter((reply) => reply.statusCode === 200).map((reply) => reply.json().valid)).toEqual([
        true,
      ]);
      const refusals = replies.filter((reply) => reply.statusCode !== 200);
      expect(refusals.map((reply) => [reply.statusCode, reply.json().error.code])).toEqual(
        Array.from({ length: 9 }, () => [409, 'verification_approved']),
      );
      const state = await h.app.http.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: AUTH });
      expect(state.json()).toMatchObject({ status: 'approved', checks: 1 });
    });

    it("counts a wrong check against the phone after retention purged the phone's guards", async () => {
      const phone = uniquePhone();
      const started = await post('/v1/verifications', { to: phone, purpose: 'login' });
      const id = started.json().id as string;
      const code = await h.lastCode(phone);
      const { db } = h.app.database;
      await db.deleteFrom('phone_guards').where('phone', '=', phone).execute();

      const wrong = await post(`/v1/verifications/${id}/check`, {
        code: code === '000000' ? '111111' : '000000',
      });
      expect(wrong.json()).toMatchObject({ valid: false, verification: { checks: 1 } });
      const guards = await db
        .selectFrom('phone_guards')
        .select(['tenant', 'failed_checks'])
        .where('phone', '=', phone)
        .orderBy('tenant')
        .execute();
      expect(guards.map((guard) => guard.failed_checks)).toEqual([1, 1]);

      await db.deleteFrom('phone_guards').where('phone', '=', phone).execute();
      const right = await post(`/v1/verifications/${id}/check`, { code });
      expect(right.json()).toMatchObject({ valid: true, verification: { status: 'approved', checks: 2 } });
    });

    it('answers six rapid sends to one number with a 429 and sends at most five SMS', async () => {
      const phone = uniquePhone();
      const replies = await Promise.all(
        Array.from({ length: 6 }, () => post('/v1/verifications', { to: phone, purpose: 'login' })),
      );
      const statuses = replies.map((reply) => reply.statusCode).sort();
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
      const limited = replies.find((reply) => reply.statusCode === 429);
      expect(limited?.json().error.code).toBe('too_many_sends');
      expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
      await h.app.dispatcher.drain();
      expect(h.outbox().filter((line) => line.to === phone).length).toBeLessThanOrEqual(5);

      // The window slides: ten minutes later the number may be texted again.
      h.clock.advance(10 * 60 * 1000 + 1000);
      const later = await post('/v1/verifications', { to: phone, purpose: 'login' });
      expect(later.statusCode).toBe(201);
    });

    it('expires a code after ten minutes and never texts an expired one late', async () => {
      const phone = uniquePhone();
      const started = await post('/v1/verifications', { to: phone });
      const id = started.json().id as string;
      const code = await h.lastCode(phone);
      h.clock.advance(10 * 60 * 1000 + 1);
      const state = await h.app.http.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: AUTH });
      expect(state.json().status).toBe('expired');
      const check = await post(`/v1/verifications/${id}/check`, { code });
      expect(check.statusCode).toBe(409);
      expect(check.json().error.code).toBe('verification_expired');

      // A message still queued when its code expires is failed, not sent.
      const other = uniquePhone();
      const queued = await post('/v1/verifications', { to: other });
      const messageId = queued.json().sends[0].messageId as string;
      h.clock.advance(10 * 60 * 1000 + 1);
      await h.app.dispatcher.drain();
      expect(h.outbox().some((line) => line.to === other)).toBe(false);
      const message = await h.app.http.inject({
        method: 'GET',
        url: `/v1/messages/${messageId}`,
        headers: AUTH,
      });
      expect(message.json()).toMatchObject({ status: 'failed', error: { code: 'expired' } });
    });

    it('resends a new code, keeps the checks already made, and lists both sends', async () => {
      const phone = uniquePhone();
      const id = (await post('/v1/verifications', { to: phone })).json().id as string;
      const first = await h.lastCode(phone);
      const wrong = first === '123123' ? '321321' : '123123';
      await post(`/v1/verifications/${id}/check`, { code: wrong });
      const resent = await post(`/v1/verifications/${id}/resend`);
      expect(resent.statusCode).toBe(200);
      expect(resent.json()).toMatchObject({ checks: 1, status: 'pending' });
      expect(resent.json().sends).toHaveLength(2);
      const second = await h.lastCode(phone);
      if (second !== first) {
        const old = await post(`/v1/verifications/${id}/check`, { code: first });
        expect(old.json().valid).toBe(false);
      }
      const ok = await post(`/v1/verifications/${id}/check`, { code: second });
      expect(ok.json()).toMatchObject({ valid: true, verification: { status: 'approved' } });
    });

    it('never texts a replaced code: a resend retires the text still queued', async () => {
      const phone = uniquePhone();
      const started = (await post('/v1/verifications', { to: phone })).json();
      const resent = (await post(`/v1/verifications/${started.id}/resend`)).json();
      const [first, second] = resent.sends.map((send: { messageId: string }) => send.messageId);
      await h.app.dispatcher.drain();
      expect(h.outbox().filter((sms) => sms.to === phone)).toHaveLength(1);
      const retired = await h.app.http.inject({ method: 'GET', url: `/v1/messages/${first}`, headers: AUTH });
      expect(retired.json()).toMatchObject({ status: 'failed', error: { code: 'superseded' } });
      const sent = await h.app.http.inject({ method: 'GET', url: `/v1/messages/${second}`, headers: AUTH });
      expect(sent.json().status).toBe('sent');
    });

    it("does not cancel another client's code when a second client texts the same number", async () => {
      const otherKey = 'second-client-key-0123456789abcdef';
      await h.app.clients.upsert('second', otherKey);
      const phone = uniquePhone();
      const mine = (await post('/v1/verifications', { to: phone, purpose: 'login' })).json();
      const theirs = await h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { authorization: `Bearer ${otherKey}` },
        payload: { to: phone, purpose: 'login' },
      });
      expect(theirs.statusCode).toBe(201);
      const again = await h.app.http.inject({
        method: 'GET',
        url: `/v1/verifications/${mine.id}`,
        headers: AUTH,
      });
      expect(again.json().status).toBe('pending');
      // A second start by the same client does retire the first.
      await post('/v1/verifications', { to: phone, purpose: 'login' });
      const replaced = await h.app.http.inject({
        method: 'GET',
        url: `/v1/verifications/${mine.id}`,
        headers: AUTH,
      });
      expect(replaced.json().status).toBe('canceled');
    });

    it('cancels a pending verification and then refuses its code', async () => {
      const phone = uniquePhone();
      const id = (await post('/v1/verifications', { to: phone })).json().id as string;
      const code = await h.lastCode(phone);
      const canceled = await post(`/v1/verifications/${id}/cancel`);
      expect(canceled.json().status).toBe('canceled');
      const check = await post(`/v1/verifications/${id}/check`, { code });
      expect(check.json().error.code).toBe('verification_canceled');
    });

    it('locks a phone after ten failed checks across its verifications (a new code resets nothing)', async () => {
      const phone = uniquePhone();
      for (let round = 0; round < 2; round++) {
        const id = (await post('/v1/verifications', { to: phone })).json().id as string;
        const code = await h.lastCode(phone);
        const wrong = code === '555555' ? '666666' : '555555';
        for (let i = 0; i < 5; i++) await post(`/v1/verifications/${id}/check`, { code: wrong });
      }
      const locked = await post('/v1/verifications', { to: phone });
      expect(locked.statusCode).toBe(429);
      expect(locked.json().error.code).toBe('phone_locked');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('gives a configured test number its fixed code without sending an SMS', async () => {
      const started = await post('/v1/verifications', { to: '+15005550006', purpose: 'login' });
      expect(started.statusCode).toBe(201);
      expect(started.json().sends[0]).toMatchObject({ channel: 'test', messageId: null });
      await h.app.dispatcher.drain();
      expect(h.outbox().some((line) => line.to === '+15005550006')).toBe(false);
      const ok = await post(`/v1/verifications/${started.json().id}/check`, { code: '424242' });
      expect(ok.json().valid).toBe(true);
    });

    it('answers a verification request alike whether or not the number belongs to a customer', async () => {
      const known = uniquePhone();
      await register(known);
      const a = await post('/v1/verifications', { to: known, purpose: 'login' });
      const b = await post('/v1/verifications', { to: uniquePhone(), purpose: 'login' });
      expect(a.statusCode).toBe(b.statusCode);
      expect(Object.keys(a.json()).sort()).toEqual(Object.keys(b.json()).sort());
      expect(a.json().customerId).toBeNull();
      expect(b.json().customerId).toBeNull();
    });

    it('shows a message with its parts and status but never the code', async () => {
      const phone = uniquePhone();
      const started = await post('/v1/verifications', { to: phone, locale: 'ar' });
      const code = await h.lastCode(phone);
      const messageId = started.json().sends[0].messageId as string;
      const message = await h.app.http.inject({
        method: 'GET',
        url: `/v1/messages/${messageId}`,
        headers: AUTH,
      });
      expect(message.statusCode).toBe(200);
      expect(message.json()).toMatchObject({
        status: 'sent',
        encoding: 'ucs2',
        provider: 'dev-outbox',
        to: phone,
      });
      expect(message.json().parts).toBeGreaterThanOrEqual(1);
      expect(message.payload).not.toContain(code);
    });

    it('pages through customers with a cursor', async () => {
      for (let i = 0; i < 3; i++) await register();
      const first = await h.app.http.inject({ method: 'GET', url: '/v1/customers?limit=2', headers: AUTH });
      expect(first.statusCode).toBe(200);
      expect(first.json().data).toHaveLength(2);
      const next = first.json().nextCursor as string;
      const second = await h.app.http.inject({
        method: 'GET',
        url: `/v1/customers?limit=2&cursor=${next}`,
        headers: AUTH,
      });
      expect(second.json().data[0].number).toBeGreaterThan(first.json().data[1].number);
    });

    it('updates a customer and refuses an email that another customer has', async () => {
      const a = (await register()).json().customer;
      const b = (await register()).json().customer;
      const renamed = await h.app.http.inject({
        method: 'PATCH',
        url: `/v1/customers/${a.id}`,
        headers: AUTH,
        payload: { nameAr: 'ليلى', notes: 'VIP' },
      });
      expect(renamed.json()).toMatchObject({ nameAr: 'ليلى', notes: 'VIP' });
      const clash = await h.app.http.inject({
        method: 'PATCH',
        url: `/v1/customers/${a.id}`,
        headers: AUTH,
        payload: { email: b.email.toUpperCase() },
      });
      expect(clash.statusCode).toBe(409);
      expect(clash.json().error.code).toBe('email_taken');
    });
  });
}
