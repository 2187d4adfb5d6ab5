/**
 * A timed-out attempt is aborted, and never makes a duplicate: a message already on the wire to one SMSC
 * waits there for its answer instead of failing over; a message not yet written is never written, and the
 * next provider sends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../support/database.js';
import { startHarness, uniquePhone, type Harness } from '../../support/harness.js';
import { startSmppServer, type TestSmppServer } from '../../support/smpp-server.js';
import { QUICK } from '../smpp/helpers.js';
import { eventually, messageOf, queueText, statusBecomes } from './helpers.js';

const ACCOUNT = { systemId: 'otpgate', password: 'secret' };

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`a timed-out SMS attempt on ${backend.name}`, () => {
    let first: TestSmppServer;
    let second: TestSmppServer;
    let h: Harness;
    beforeAll(async () => {
      first = await startSmppServer({ ...ACCOUNT, receiptMode: 'none', answerSubmits: false });
      second = await startSmppServer({ ...ACCOUNT, receiptMode: 'none' });
      // A 5 s lease gives each attempt 3 s; the first SMSC waits long for its answers and takes one at a time.
      const slow = { ...QUICK, submit_timeout_ms: 20_000, window: 1 };
      h = await startHarness(backend, {
        SMS_PROVIDERS: `${first.url(slow)},${second.url(QUICK)}`,
        SMS_LEASE_SECONDS: '5',
      });
    });
    afterAll(async () => {
      await h?.close();
      await first?.close();
      await second?.close();
    });

    const to = (server: TestSmppServer, phone: string) =>
      [...server.unanswered, ...server.submits].filter((part) => `+${part.destination}` === phone);
    const aborted = (id: string) =>
      h.logs.some((line) => line.includes('sms attempt timed out') && line.includes(id));

    it('keeps a message already submitted with its SMSC past the timeout, and sends the one behind it elsewhere, once each', async () => {
      const phones = [uniquePhone(), uniquePhone()];
      const ids = await Promise.all(
        phones.map((phone, n) =>
          queueText(h, { to: phone, text: `Your code is ${n}11111`, expiresInMinutes: 10 }),
        ),
      );
      const drained = h.app.dispatcher.drain();

      // Both attempts time out: one message's submit is on the wire, unanswered; the other waits for the
      // first SMSC's only window slot.
      await eventually(async () => ids.every(aborted), 'both attempts to time out', 20_000);
      const wired = phones.findIndex((phone) => to(first, phone).length === 1);
      expect(wired).toBeGreaterThanOrEqual(0);
      const [onWire, behind] = wired === 0 ? phones : [...phones].reverse();
      const [written, waiting] = wired === 0 ? ids : [...ids].reverse();
      const sentElsewhere = await statusBecomes(h, waiting ?? '', 'sent', 20_000);
      expect(sentElsewhere.provider).toBe('smpp-2');

      // The late answer to the first submit still counts: that message is sent, by the first SMSC only.
      first.answerHeld();
      const late = await statusBecomes(h, written ?? '', 'sent', 20_000);
      expect(late.provider).toBe('smpp-1');
      await drained;

      expect(to(first, onWire ?? '')).toHaveLength(1);
      expect(to(second, onWire ?? '')).toHaveLength(0);
      // The message that was never written to the first SMSC is never written there, even once its window frees.
      expect(to(first, behind ?? '')).toHaveLength(0);
      expect(to(second, behind ?? '')).toHaveLength(1);
    });
  });

  describe.skipIf(skip !== false)(`an unconfirmed SMS submit on ${backend.name}`, () => {
    let first: TestSmppServer;
    let second: TestSmppServer;
    let h: Harness;
    beforeAll(async () => {
      first = await startSmppServer({ ...ACCOUNT, receiptMode: 'none', answerSubmits: false });
      second = await startSmppServer({ ...ACCOUNT, receiptMode: 'none' });
      // The SMSC's own answer deadline (300 ms) comes well before the dispatcher's attempt timeout.
      h = await startHarness(backend, {
        SMS_PROVIDERS: `${first.url({ ...QUICK, submit_timeout_ms: 300 })},${second.url(QUICK)}`,
      });
    });
    afterAll(async () => {
      await h?.close();
      await first?.close();
      await second?.close();
    });

    it('is retried with the SMSC that may have it, never handed to the next one', async () => {
      const phones = [uniquePhone(), uniquePhone(), uniquePhone()];
      const ids = await Promise.all(
        phones.map((phone) => queueText(h, { to: phone, text: 'Your code is 424242', expiresInMinutes: 10 })),
      );

      // Three unanswered submits: each is unconfirmed, and together they open smpp-1's circuit.
      await h.app.dispatcher.drain();
      for (const id of ids) expect((await statusBecomes(h, id, 'queued')).error?.code).toBe('unconfirmed');

      // Due again while smpp-1's circuit is open: the route alone would hand them to smpp-2 now.
      h.clock.advance(2_000);
      await h.app.dispatcher.drain();
      expect(second.submits).toHaveLength(0);

      // Once the SMSC answers and its circuit admits sends again, they go out there, once each.
      first.behaviour.answerSubmits = true;
      const sent = async () =>
        (await Promise.all(ids.map((id) => messageOf(h, id)))).every((m) => m.status === 'sent');
      for (let round = 0; round < 10 && !(await sent()); round++) {
        h.clock.advance(31_000);
        await h.app.dispatcher.drain();
      }
      const messages = await Promise.all(ids.map((id) => messageOf(h, id)));
      expect(messages.map((message) => [message.status, message.provider])).toEqual(
        ids.map(() => ['sent', 'smpp-1']),
      );
      expect(second.submits).toHaveLength(0);
    });
  });
}
