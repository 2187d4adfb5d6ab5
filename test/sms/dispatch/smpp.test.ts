import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../support/database.js';
import { AUTH, startHarness, uniquePhone, type Harness } from '../../support/harness.js';
import { startSmppServer, type TestSmppServer } from '../../support/smpp-server.js';
import { QUICK } from '../smpp/helpers.js';
import { messageOf, queueText, statusBecomes } from './helpers.js';

const ACCOUNT = { systemId: 'otpgate', password: 'secret' };
const LONG_ARABIC =
  'مرحبا بك في خدمة التحقق. هذه رسالة طويلة تشرح لك كيف تستخدم رمز التحقق الخاص بك بأمان، ' +
  'ولا تشارك هذا الرمز مع أي شخص آخر مهما كان السبب، فنحن لن نطلبه منك أبدا عبر الهاتف أو البريد.';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `SMPP delivery through the app on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let smsc: TestSmppServer;
      let h: Harness;

      beforeAll(async () => {
        smsc = await startSmppServer({ ...ACCOUNT, receiptMode: 'text' });
        // One in-place retry of a throttled part, so a longer throttle reaches the dispatcher's own retry.
        h = await startHarness(backend, { SMS_PROVIDERS: smsc.url({ ...QUICK, throttle_retries: 1 }) });
      });
      afterAll(async () => {
        await h?.close();
        await smsc?.close();
      });
      afterEach(() => {
        smsc.behaviour.throttleFirst = 0;
        smsc.behaviour.answerSubmits = true;
        smsc.behaviour.receiptState = () => 'DELIVRD';
      });

      const received = (to: string) => smsc.messages.filter((message) => `+${message.destination}` === to);

      it("delivers a verification's code over SMPP, and its receipt makes the message delivered", async () => {
        const phone = uniquePhone();
        const started = await h.app.http.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers: AUTH,
          // English, so GSM-7 (data coding 0): a UAE number's default locale is Arabic.
          payload: { to: phone, locale: 'en' },
        });
        expect(started.statusCode).toBe(201);
        const { id: verificationId, sends } = started.json<{ id: string; sends: { messageId: string }[] }>();
        const messageId = sends[0]?.messageId ?? '';

        await h.app.dispatcher.drain();
        await smsc.waitFor(() => received(phone).length === 1, 'the code at the SMSC');
        const sms = received(phone)[0];
        expect(sms?.dataCoding).toBe(0);
        const code = /\b(\d{6})\b/.exec(sms?.text ?? '')?.[1];
        expect(code).toBeDefined();

        const delivered = await statusBecomes(h, messageId, 'delivered');
        expect(delivered).toMatchObject({ provider: 'smpp-1', providerRef: sms?.messageIds[0], parts: 1 });
        expect(delivered.deliveredAt).not.toBeNull();

        const checked = await h.app.http.inject({
          method: 'POST',
          url: `/v1/verifications/${verificationId}/check`,
          headers: AUTH,
          payload: { code },
        });
        expect(checked.json()).toMatchObject({ valid: true });
      });

      it('splits a long Arabic text into three UCS-2 parts the SMSC reassembles, delivered once every part is', async () => {
        const phone = uniquePhone();
        const id = await queueText(h, { to: phone, text: LONG_ARABIC, kind: 'notice' });

        await h.app.dispatcher.drain();
        await smsc.waitFor(() => received(phone).length === 1, 'the long text at the SMSC');
        const sms = received(phone)[0];
        expect(sms?.parts).toBe(3);
        expect(sms?.dataCoding).toBe(8);
        expect(sms?.text).toBe(LONG_ARABIC);
        expect(sms?.submits.map((part) => part.udh?.seq)).toEqual([1, 2, 3]);

        const delivered = await statusBecomes(h, id, 'delivered');
        expect(delivered.parts).toBe(3);
        expect(delivered.providerRef).toBe(sms?.messageIds[0]);
      });

      it('marks a long text undelivered when one of its parts is not delivered', async () => {
        const phone = uniquePhone();
        smsc.behaviour.receiptState = (part) => (part.udh?.seq === 2 ? 'UNDELIV' : 'DELIVRD');
        const id = await queueText(h, { to: phone, text: LONG_ARABIC, kind: 'notice' });

        await h.app.dispatcher.drain();
        const undelivered = await statusBecomes(h, id, 'undelivered');
        expect(undelivered.undeliveredAt).not.toBeNull();
        expect(undelivered.failedAt).toBeNull();
        expect(undelivered.deliveredAt).toBeNull();
      });

      it('re-binds after the SMSC drops the connection mid-submit, and delivers the message on its retry', async () => {
        const phone = uniquePhone();
        const bindsBefore = smsc.stats.binds;
        smsc.behaviour.answerSubmits = false;
        const id = await queueText(h, { to: phone, text: 'Your code is 222222', expiresInMinutes: 10 });

        const draining = h.app.dispatcher.drain();
        await smsc.waitFor(
          () => smsc.unanswered.some((part) => `+${part.destination}` === phone),
          'the submit',
        );
        smsc.dropConnections();
        await draining;
        expect(await messageOf(h, id)).toMatchObject({ status: 'queued', attempts: 1 });

        smsc.behaviour.answerSubmits = true;
        await smsc.waitFor(() => smsc.stats.binds > bindsBefore, 'the re-bind');
        h.clock.advance(60_000);
        await h.app.dispatcher.drain();

        expect(received(phone).map((sms) => sms.text)).toEqual(['Your code is 222222']);
        await statusBecomes(h, id, 'delivered');
      });

      it('retries a throttled submit later and delivers it once the SMSC takes it', async () => {
        const phone = uniquePhone();
        // Two throttles: the provider's own retry absorbs one, the second reaches the dispatcher.
        smsc.behaviour.throttleFirst = smsc.stats.throttled + 2;
        const id = await queueText(h, { to: phone, text: 'Your code is 333333', expiresInMinutes: 10 });

        await h.app.dispatcher.drain();
        const waiting = await messageOf(h, id);
        expect(waiting).toMatchObject({ status: 'queued', attempts: 1, error: { code: 'ESME_RTHROTTLED' } });
        expect(received(phone)).toHaveLength(0);

        // The throttle retry waits 1-2 s (half jitter); nothing goes out before it.
        await h.app.dispatcher.drain();
        expect(received(phone)).toHaveLength(0);
        h.clock.advance(2_001);
        await h.app.dispatcher.drain();

        expect(received(phone)).toHaveLength(1);
        const delivered = await statusBecomes(h, id, 'delivered');
        expect(delivered).toMatchObject({ attempts: 2, error: null });
      });
    },
  );
}
