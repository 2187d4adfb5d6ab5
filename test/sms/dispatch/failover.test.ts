import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../support/database.js';
import { startHarness, uniquePhone, type Harness } from '../../support/harness.js';
import { startSmppServer, type TestSmppServer } from '../../support/smpp-server.js';
import { startTwilioReplay, type TwilioReplay } from '../../support/twilio-server.js';
import { messageOf, queueText } from './helpers.js';

const ACCOUNT = { systemId: 'otpgate', password: 'secret' };
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'f3a9c2e1d4b5a6978877665544332211';
const OPEN_SECONDS = 30;

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`failover on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let smppPort: number;
    let smsc: TestSmppServer | undefined;
    let twilio: TwilioReplay;
    let h: Harness;

    beforeAll(async () => {
      // A port where an SMSC listened a moment ago: connections to it are refused until it comes back.
      const gone = await startSmppServer(ACCOUNT);
      smppPort = gone.port;
      await gone.close();
      twilio = await startTwilioReplay({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        ownedNumbers: ['+15550001111'],
      });
      h = await startHarness(backend, {
        SMS_PROVIDERS: [
          `smpp://${ACCOUNT.systemId}:${ACCOUNT.password}@127.0.0.1:${smppPort}` +
            '?source_addr=OTPGATE&tps=0&bind_wait_ms=100&rebind_min_ms=20&rebind_max_ms=50',
          `twilio://${ACCOUNT_SID}:${AUTH_TOKEN}@?from=%2B15550001111&base=${twilio.baseUrl}`,
        ].join(','),
        SMS_BREAKER_OPEN_SECONDS: String(OPEN_SECONDS),
      });
    });
    afterAll(async () => {
      await h?.close();
      await smsc?.close();
      await twilio?.close();
    });

    async function sendOne(): Promise<{ provider: string | null; status: string }> {
      const id = await queueText(h, { to: uniquePhone(), text: 'Your code is 482913', expiresInMinutes: 10 });
      await h.app.dispatcher.drain();
      return messageOf(h, id);
    }

    it('sends through Twilio while the SMSC is down, skips SMPP once its circuit opens, and uses SMPP again after the open period', async () => {
      // Three at once: each waits for a bind that never comes, then goes out through Twilio.
      const first = await Promise.all(
        [1, 2, 3].map(() =>
          queueText(h, { to: uniquePhone(), text: 'Your code is 111111', expiresInMinutes: 10 }),
        ),
      );
      await h.app.dispatcher.drain();
      for (const id of first)
        expect(await messageOf(h, id)).toMatchObject({ status: 'sent', provider: 'twilio' });
      expect(h.app.dispatcher.breakerState('smpp-1')).toBe('open');

      // Open: SMPP is not even tried, also once the SMSC is back.
      expect(await sendOne()).toMatchObject({ status: 'sent', provider: 'twilio' });
      // No receipts: the statuses below stay 'sent' whatever the timing.
      smsc = await startSmppServer({ ...ACCOUNT, port: smppPort, receiptMode: 'none' });
      await smsc.waitFor(() => smsc !== undefined && smsc.stats.binds >= 1, 'the SMPP session to bind again');
      expect(await sendOne()).toMatchObject({ status: 'sent', provider: 'twilio' });
      expect(smsc.submits).toHaveLength(0);

      // After the open period one trial goes through SMPP; it succeeds, and the circuit is closed again.
      h.clock.advance(OPEN_SECONDS * 1000);
      expect(h.app.dispatcher.breakerState('smpp-1')).toBe('half-open');
      expect(await sendOne()).toMatchObject({ status: 'sent', provider: 'smpp-1' });
      expect(h.app.dispatcher.breakerState('smpp-1')).toBe('closed');
      expect(await sendOne()).toMatchObject({ status: 'sent', provider: 'smpp-1' });
      expect(smsc.submits).toHaveLength(2);
      expect(twilio.created).toHaveLength(5);
    });
  });
}
