/**
 * A dispatcher's slot is the provider's, not the database's: once a provider has a message, the slot takes the
 * next one while the send's record waits for its statement (under load, behind the API's statements). Without
 * that, W1 of `npm run bench` left half its texts queued: the dispatch ran at the pace of two round trips per
 * claim. At most SMS_CONCURRENCY records wait so, which bounds what a crash can leave sent and unrecorded.
 * The records are held at a gate the test opens: nothing here waits on a clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src/sms/dispatcher.js';
import type { OutgoingSms } from '../../../src/sms/provider.js';
import { outboxQueue, type OutboxQueue } from '../../../src/store/outbox-queue.js';
import { backends } from '../../support/database.js';
import { startHarness, uniquePhone, type Harness } from '../../support/harness.js';
import { eventually, messageOf, queueText, ScriptedProvider } from './helpers.js';

const CONCURRENCY = 2;

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `the dispatcher's slots on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let h: Harness;
      beforeAll(async () => {
        h = await startHarness(backend);
      });
      afterAll(async () => h?.close());

      it('gives a sent message its slot back before its record is written, up to SMS_CONCURRENCY records', async () => {
        const provider = new ScriptedProvider('instant', [
          (message: OutgoingSms) => ({ providerRef: `ref-${message.id}`, parts: 1 }),
        ]);
        let openGate = () => {};
        const gate = new Promise<void>((resolve) => (openGate = resolve));
        let recordsWaiting = 0;
        const real = outboxQueue(h.app.database.db);
        const queue: OutboxQueue = {
          ...real,
          async markSentMany(sends, now) {
            recordsWaiting += sends.length;
            await gate;
            return real.markSentMany(sends, now);
          },
        };
        const dispatcher = createDispatcher({
          queue,
          providers: [provider],
          box: h.app.domain.box,
          clock: h.clock,
          logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
          leaseSeconds: 30,
          pollMs: 1000,
          concurrency: CONCURRENCY,
        });
        const ids: string[] = [];
        // A millisecond apart: claims take the oldest first, so the fifth is the one left.
        for (let i = 0; i < 5; i++) {
          ids.push(await queueText(h, { to: uniquePhone(), text: `Notice ${i}` }));
          h.clock.advance(1);
        }

        // Two claimed and sent; their records wait at the gate, and their slots are free again.
        const first = dispatcher.runOnce();
        await eventually(
          async () => provider.sent.length === 2 && recordsWaiting === 2,
          'two records waiting',
        );
        // Two more claimed and sent: SMS_CONCURRENCY records already wait, so these keep their slots.
        const second = dispatcher.runOnce();
        await eventually(
          async () => provider.sent.length === 4 && recordsWaiting === 4,
          'four records waiting',
        );
        // No slot is free: the fifth stays queued until a record is written.
        expect(await dispatcher.runOnce()).toBe(0);
        for (const id of ids.slice(0, 4)) expect((await messageOf(h, id)).status).toBe('sending');
        expect((await messageOf(h, ids[4] ?? '')).status).toBe('queued');

        openGate();
        expect(await first).toBe(2);
        expect(await second).toBe(2);
        for (const id of ids.slice(0, 4)) expect((await messageOf(h, id)).status).toBe('sent');
        expect(await dispatcher.runOnce()).toBe(1);
        expect((await messageOf(h, ids[4] ?? '')).status).toBe('sent');
        await dispatcher.stop();
      });
    },
  );
}
