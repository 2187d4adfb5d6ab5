/** A send that outlives its lease: only the newest claim of a message records its outcome. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmsError, type OutgoingSms, type SendResult, type SmsProvider } from '../../../src/sms/provider.js';
import { outboxQueue } from '../../../src/store/outbox-queue.js';
import { backends } from '../../support/database.js';
import { startHarness, uniquePhone, type Harness } from '../../support/harness.js';
import { messageOf, queueText } from './helpers.js';

const LEASE_MS = 30_000;

/** Every send waits until the test settles it, with a result or an error. */
class HeldProvider implements SmsProvider {
  readonly kind = 'held';
  readonly sends: Array<{ message: OutgoingSms; settle: (reply: SendResult | SmsError) => void }> = [];
  constructor(readonly name: string) {}
  send(message: OutgoingSms): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      this.sends.push({
        message,
        settle: (reply) => (reply instanceof SmsError ? reject(reply) : resolve(reply)),
      });
    });
  }
  async close(): Promise<void> {}
}

/** Waits for the dispatcher's claim to reach the provider: a database round trip, slow on a busy machine. */
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!check()) throw new Error('the provider never got the send');
}

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `claims of one message on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      const provider = new HeldProvider('held');
      let h: Harness;

      beforeAll(async () => {
        h = await startHarness(backend, {}, { providers: [provider] });
      });
      afterAll(async () => h?.close());

      it('keeps a message in flight when the claim whose lease ran out reports a failure late', async () => {
        const id = await queueText(h, { to: uniquePhone(), text: 'Notice', kind: 'notice' });
        const first = h.app.dispatcher.runOnce();
        await until(() => provider.sends.length === 1);
        h.clock.advance(LEASE_MS + 1_000);
        const second = h.app.dispatcher.runOnce();
        await until(() => provider.sends.length === 2);

        provider.sends[0]?.settle(new SmsError('unavailable', 'timed out'));
        await first;
        expect(await messageOf(h, id)).toMatchObject({ status: 'sending', attempts: 2 });
        expect(await h.app.dispatcher.runOnce()).toBe(0);
        expect(h.logs.some((line) => line.includes('claimed again since'))).toBe(true);

        provider.sends[1]?.settle({ providerRef: 'second', parts: 1 });
        await second;
        expect(await messageOf(h, id)).toMatchObject({ status: 'sent', providerRef: 'second' });
        expect(provider.sends).toHaveLength(2);
      });

      it('never marks failed a message a later claim sent', async () => {
        const id = await queueText(h, {
          to: uniquePhone(),
          text: 'Your code is 482913',
          expiresInMinutes: 10,
        });
        const queue = outboxQueue(h.app.database.db);
        const at = h.clock.now();
        const [stale] = await queue.claimDue(at, new Date(at.getTime() + LEASE_MS), 1);
        const later = new Date(at.getTime() + LEASE_MS + 1_000);
        const [current] = await queue.claimDue(later, new Date(later.getTime() + LEASE_MS), 1);
        expect([stale?.id, current?.id]).toEqual([id, id]);
        const sent = {
          provider: 'held',
          providerRef: 'r1',
          partRefs: ['r1'],
          parts: 1,
          price: null,
          currency: null,
        };

        expect(await queue.markSent(id, current?.claimId ?? '', sent, later)).toBe(true);
        expect(await queue.markFailed(id, stale?.claimId ?? '', { code: 'x', message: 'late' }, later)).toBe(
          false,
        );
        expect(
          await queue.markRetry(id, stale?.claimId ?? '', later, { code: 'x', message: 'late' }, later),
        ).toBe(false);
        expect(await messageOf(h, id)).toMatchObject({ status: 'sent', error: null });
      });
    },
  );
}
