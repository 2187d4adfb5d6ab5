import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SmsError, type OutgoingSms } from '../../../src/sms/provider.js';
import { backends } from '../../support/database.js';
import { startHarness, uniquePhone, type Harness } from '../../support/harness.js';
import { eventually, messageOf, queueText, ScriptedProvider } from './helpers.js';

const FIVE_MINUTES = 5 * 60_000;
const sent = (message: OutgoingSms) => ({ providerRef: `ok-${message.id}`, parts: 1 });
let usNumbers = 0;
const usNumber = () => `+1202555${String(1000 + ++usNumbers).slice(-4)}`;

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`dispatch policy on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    describe('lanes', () => {
      let holdNotices = true;
      const provider = new ScriptedProvider('lanes', [
        (message) => (message.kind === 'notice' && holdNotices ? 'hang' : sent(message)),
      ]);
      let h: Harness;

      beforeAll(async () => {
        h = await startHarness(
          backend,
          { SMS_CONCURRENCY: '4', SMS_POLL_MS: '20' },
          { providers: [provider] },
        );
      });
      afterAll(async () => h?.close());
      afterEach(async () => {
        holdNotices = false;
        provider.release();
        await h.app.dispatcher.stop();
        await h.app.dispatcher.drain();
        holdNotices = true;
        provider.sent.length = 0;
      });

      it('claims OTPs before notices queued earlier', async () => {
        holdNotices = false;
        for (let i = 0; i < 3; i++)
          await queueText(h, { to: uniquePhone(), text: `Notice ${i}`, kind: 'notice' });
        for (let i = 0; i < 3; i++)
          await queueText(h, { to: uniquePhone(), text: `Code ${i}`, kind: 'otp', expiresInMinutes: 10 });

        expect(await h.app.dispatcher.runOnce()).toBe(4);
        expect(provider.sent.map((message) => message.kind)).toEqual(['otp', 'otp', 'otp', 'notice']);
      });

      it('sends an OTP at once while slow notices hold every slot they may take', async () => {
        for (let i = 0; i < 10; i++)
          await queueText(h, { to: uniquePhone(), text: `Notice ${i}`, kind: 'notice' });
        h.app.dispatcher.start();
        await eventually(
          async () => provider.hangingCount === 2,
          'two notices in flight (their share of four slots)',
        );

        const otp = await queueText(h, {
          to: uniquePhone(),
          text: 'Your code is 482913',
          expiresInMinutes: 10,
        });
        h.app.dispatcher.messagesQueued();
        await eventually(async () => (await messageOf(h, otp)).status === 'sent', 'the OTP to go out');
        expect(provider.hangingCount).toBe(2);
      });
    });

    describe('retries and failover', () => {
      const throttled = new ScriptedProvider('throttled', [
        new SmsError('rate_limited', 'throttled', { providerCode: 'ESME_RTHROTTLED' }),
      ]);
      const down = new ScriptedProvider('down', [
        new SmsError('unavailable', 'system error', { providerCode: 'ESME_RSYSERR' }),
      ]);
      const misconfigured = new ScriptedProvider('misconfigured', [
        new SmsError('invalid_config', 'bad password'),
      ]);
      const refusing = new ScriptedProvider('refusing', [
        new SmsError('rejected', 'no such number', { providerCode: 'ESME_RINVDSTADR' }),
      ]);
      const good = new ScriptedProvider('good', [sent]);
      let h: Harness;

      beforeAll(async () => {
        h = await startHarness(
          backend,
          { SMS_ROUTES: '+1202=throttled;+1303=refusing,good;+44=misconfigured,good;*=down' },
          { providers: [throttled, down, misconfigured, refusing, good] },
        );
      });
      afterAll(async () => h?.close());

      it('retries a throttled message patiently, and gives up on an outage after a few tries', async () => {
        const patient = await queueText(h, { to: usNumber(), text: 'Notice', kind: 'notice' });
        const impatient = await queueText(h, { to: uniquePhone(), text: 'Notice', kind: 'notice' });
        for (let claim = 1; claim <= 10; claim++) {
          await h.app.dispatcher.drain();
          // Past any backoff and any open circuit: every claim reaches its provider.
          h.clock.advance(FIVE_MINUTES);
        }
        expect(await messageOf(h, patient)).toMatchObject({
          status: 'queued',
          attempts: 10,
          error: { code: 'ESME_RTHROTTLED' },
        });
        expect(await messageOf(h, impatient)).toMatchObject({
          status: 'failed',
          attempts: 6,
          error: { code: 'ESME_RSYSERR' },
        });
      });

      it("fails a refused number at once with the provider's reason, without trying the next provider", async () => {
        const before = good.sent.length;
        const id = await queueText(h, {
          to: '+13035550100',
          text: 'Your code is 482913',
          expiresInMinutes: 10,
        });
        await h.app.dispatcher.drain();
        expect(await messageOf(h, id)).toMatchObject({
          status: 'failed',
          provider: 'refusing',
          attempts: 1,
          error: { code: 'ESME_RINVDSTADR' },
        });
        expect(good.sent.length).toBe(before);
      });

      it('skips a misconfigured provider at once and sends through the next one', async () => {
        const id = await queueText(h, {
          to: '+447700900123',
          text: 'Your code is 482913',
          expiresInMinutes: 10,
        });
        await h.app.dispatcher.drain();
        expect(await messageOf(h, id)).toMatchObject({ status: 'sent', provider: 'good', attempts: 1 });
        expect(h.app.dispatcher.breakerState('misconfigured')).toBe('open');
      });

      it('never sends a code that expired while it waited', async () => {
        const to = '+447700900124';
        const id = await queueText(h, { to, text: 'Your code is 482913', expiresInMinutes: 1 });
        h.clock.advance(61_000);
        await h.app.dispatcher.drain();
        expect(await messageOf(h, id)).toMatchObject({ status: 'failed', error: { code: 'expired' } });
        expect(good.sent.some((message) => message.to === to)).toBe(false);
      });
    });
  });
}
