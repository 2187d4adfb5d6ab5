/** Every provider skipped (open circuit, or a half-open trial in flight): waiting is not an attempt. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmsError, type OutgoingSms } from '../../../src/sms/provider.js';
import { backends } from '../../support/database.js';
import { startHarness, uniquePhone, type Harness } from '../../support/harness.js';
import { eventually, messageOf, queueText, ScriptedProvider } from './helpers.js';

const OPEN_MS = 30_000;

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`skipped providers on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    // The first send finds the provider misconfigured (its circuit opens at once); the trial after it hangs.
    let calls = 0;
    const provider = new ScriptedProvider('flaky', [
      () => (++calls === 1 ? new SmsError('invalid_config', 'bad password') : 'hang'),
    ]);
    let h: Harness;
    let trial: Promise<number>;

    beforeAll(async () => {
      h = await startHarness(backend, {}, { providers: [provider] });
      await queueText(h, { to: uniquePhone(), text: 'Notice', kind: 'notice' });
      await h.app.dispatcher.runOnce();
      expect(h.app.dispatcher.breakerState('flaky')).toBe('open');
      h.clock.advance(OPEN_MS + 1_000);
      trial = h.app.dispatcher.runOnce();
      await eventually(async () => provider.hangingCount === 1, 'the half-open trial in flight');
    });
    afterAll(async () => {
      provider.release();
      await trial;
      await h?.close();
    });

    it('keeps the attempts of messages that wait while a half-open trial is in flight', async () => {
      const otp = await queueText(h, {
        to: uniquePhone(),
        text: 'Your code is 482913',
        expiresInMinutes: 15,
      });
      const notice = await queueText(h, { to: uniquePhone(), text: 'Notice', kind: 'notice' });
      // Half a minute at a time for twelve minutes: every round the trial is still in flight.
      for (let round = 0; round < 24; round++) {
        await h.app.dispatcher.runOnce();
        h.clock.advance(OPEN_MS);
      }
      expect(await messageOf(h, otp)).toMatchObject({
        status: 'queued',
        attempts: 0,
        error: { code: 'no_provider' },
      });
      expect(await messageOf(h, notice)).toMatchObject({
        status: 'queued',
        attempts: 0,
        error: { code: 'no_provider' },
      });
      expect(provider.sent.filter((message: OutgoingSms) => message.id === otp)).toEqual([]);
      expect(provider.hangingCount).toBe(1);
    });

    it('gives an OTP up as no_provider only once it expired', async () => {
      const otp = await queueText(h, { to: uniquePhone(), text: 'Your code is 482913', expiresInMinutes: 2 });
      await h.app.dispatcher.runOnce();
      expect(await messageOf(h, otp)).toMatchObject({
        status: 'queued',
        attempts: 0,
        error: { code: 'no_provider' },
      });
      h.clock.advance(2 * 60_000);
      await h.app.dispatcher.runOnce();
      expect(await messageOf(h, otp)).toMatchObject({ status: 'failed', error: { code: 'no_provider' } });
    });
  });
}
