import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../support/database.js';
import { AUTH, startHarness, uniquePhone, type Harness } from '../../support/harness.js';
import { openPublicDoor, type PublicDoor } from '../../support/public-door.js';
import { signTwilioRequest, startTwilioReplay, type TwilioReplay } from '../../support/twilio-server.js';
import { startVonageReplay, type VonageReplay } from '../../support/vonage-server.js';
import { messageOf, queueText, statusBecomes } from './helpers.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'f3a9c2e1d4b5a6978877665544332211';
const FROM = '+15550001111';
const VONAGE = {
  apiKey: 'a1b2c3d4',
  apiSecret: 'VonageSecret123',
  signatureSecret: 'receipt-signing-secret',
};
const UK_MOBILE = '+447700900123';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `provider webhooks through the app on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let door: PublicDoor;
      let twilio: TwilioReplay;
      let vonage: VonageReplay;
      let h: Harness;

      beforeAll(async () => {
        door = await openPublicDoor();
        twilio = await startTwilioReplay({
          accountSid: ACCOUNT_SID,
          authToken: AUTH_TOKEN,
          ownedNumbers: [FROM],
        });
        vonage = await startVonageReplay({
          apiKey: VONAGE.apiKey,
          apiSecret: VONAGE.apiSecret,
          signature: { secret: VONAGE.signatureSecret, method: 'sha256' },
        });
        h = await startHarness(backend, {
          PUBLIC_URL: door.origin,
          SMS_PROVIDERS: [
            `twilio://${ACCOUNT_SID}:${AUTH_TOKEN}@?from=%2B15550001111&base=${twilio.baseUrl}`,
            `vonage://${VONAGE.apiKey}:${VONAGE.apiSecret}@?from=OTPGATE&base=${vonage.baseUrl}` +
              `&signature_secret=${VONAGE.signatureSecret}&signature_method=sha256`,
          ].join(','),
          SMS_ROUTES: '+44=vonage;*=twilio',
        });
        door.app = h.app.http;
      });
      afterAll(async () => {
        await h?.close();
        await Promise.all([door?.close(), twilio?.close(), vonage?.close()]);
      });

      async function sendThroughTwilio(text = 'Your code is 482913'): Promise<{ id: string; sid: string }> {
        const to = uniquePhone();
        const id = await queueText(h, { to, text, expiresInMinutes: 10 });
        await h.app.dispatcher.drain();
        const created = twilio.created.find((message) => message.form.To === to);
        if (created === undefined) throw new Error(`nothing reached Twilio for ${to}`);
        return { id, sid: created.sid };
      }

      it('sends through Twilio with its callback at the public webhook URL; a signed "delivered" makes it delivered', async () => {
        const { id, sid } = await sendThroughTwilio();
        expect(twilio.created.find((message) => message.sid === sid)?.form.StatusCallback).toBe(
          `${door.origin}/webhooks/sms/twilio`,
        );
        expect(await messageOf(h, id)).toMatchObject({
          status: 'sent',
          provider: 'twilio',
          providerRef: sid,
        });

        expect(await twilio.postStatusCallback(sid, 'sent')).toBe(204);
        expect((await messageOf(h, id)).status).toBe('sent');
        expect(await twilio.postStatusCallback(sid, 'delivered')).toBe(204);

        const delivered = await messageOf(h, id);
        expect(delivered.status).toBe('delivered');
        expect(delivered.deliveredAt).not.toBeNull();
      });

      it('refuses a status callback with a forged signature with 403, and the message stays as it was', async () => {
        const { id, sid } = await sendThroughTwilio();
        const url = `${door.origin}/webhooks/sms/twilio`;
        const params = {
          AccountSid: ACCOUNT_SID,
          MessageSid: sid,
          MessageStatus: 'failed',
          SmsSid: sid,
          SmsStatus: 'failed',
        };

        const forged = await request(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': signTwilioRequest('not-the-auth-token', url, params),
          },
          body: new URLSearchParams(params).toString(),
        });
        expect(forged.statusCode).toBe(403);
        await forged.body.dump();

        const unsigned = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(params).toString(),
        });
        expect(unsigned.statusCode).toBe(403);
        await unsigned.body.dump();

        expect(await messageOf(h, id)).toMatchObject({ status: 'sent', failedAt: null, error: null });
      });

      it("records Twilio's undelivered callback with its error code", async () => {
        const { id, sid } = await sendThroughTwilio();
        expect(await twilio.postStatusCallback(sid, 'undelivered', '30003')).toBe(204);
        expect(await messageOf(h, id)).toMatchObject({ status: 'undelivered', error: { code: '30003' } });
      });

      it('takes a repeated callback without error and keeps the first outcome', async () => {
        const { id, sid } = await sendThroughTwilio();
        expect(await twilio.postStatusCallback(sid, 'delivered')).toBe(204);
        const first = await messageOf(h, id);
        expect(await twilio.postStatusCallback(sid, 'delivered')).toBe(204);
        expect(await twilio.postStatusCallback(sid, 'failed')).toBe(204);
        expect(await messageOf(h, id)).toMatchObject({ status: 'delivered', deliveredAt: first.deliveredAt });
      });

      it('records the price Twilio reports on the message', async () => {
        twilio.priceOnCreate = '-0.00750';
        try {
          const { id } = await sendThroughTwilio();
          expect(await messageOf(h, id)).toMatchObject({ price: 0.0075, currency: 'USD' });
        } finally {
          twilio.priceOnCreate = null;
        }
      });

      it("fails a message at once on Twilio's refusal of the number, with Twilio's code", async () => {
        const to = uniquePhone();
        twilio.landlines.add(to);
        const id = await queueText(h, { to, text: 'Your code is 482913', expiresInMinutes: 10 });
        await h.app.dispatcher.drain();
        expect(await messageOf(h, id)).toMatchObject({
          status: 'failed',
          attempts: 1,
          error: { code: '21614' },
        });
      });

      it('routes +44 through Vonage; its signed GET receipts, one per part, make the message delivered', async () => {
        const text = `Your code is 482913. ${'Keep it to yourself. '.repeat(8)}`;
        const id = await queueText(h, { to: UK_MOBILE, text, expiresInMinutes: 10 });
        await h.app.dispatcher.drain();
        const submission = vonage.submissions.find((sent) => sent.form['client-ref'] === id);
        expect(submission?.messageIds).toHaveLength(2);
        expect(await messageOf(h, id)).toMatchObject({
          status: 'sent',
          provider: 'vonage',
          parts: 2,
          currency: 'EUR',
        });

        const [first = '', second = ''] = submission?.messageIds ?? [];
        expect(await vonage.sendDeliveryReceipt(first, 'delivered')).toBe(204);
        expect((await messageOf(h, id)).status).toBe('sent');
        expect(await vonage.sendDeliveryReceipt(second, 'delivered', { delivery: 'POST-JSON' })).toBe(204);
        await statusBecomes(h, id, 'delivered');
      });

      it('answers 404 for a webhook of a provider that does not exist', async () => {
        const reply = await h.app.http.inject({
          method: 'POST',
          url: '/webhooks/sms/nobody',
          headers: AUTH,
          payload: {},
        });
        expect(reply.statusCode).toBe(404);
      });
    },
  );
}
