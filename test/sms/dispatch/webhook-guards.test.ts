import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../support/database.js';
import { startHarness, uniquePhone, type Harness } from '../../support/harness.js';
import { openPublicDoor, type PublicDoor } from '../../support/public-door.js';
import { signVonageParams, startVonageReplay, type VonageReplay } from '../../support/vonage-server.js';
import { messageOf, queueText } from './helpers.js';

const SIGNED = { apiKey: 'a1b2c3d4', apiSecret: 'VonageSecret123', secret: 'receipt-signing-secret' };
const UNSIGNED = { apiKey: 'e5f6a7b8', apiSecret: 'VonageSecret456' };
const UK_MOBILE = '+447700900123';
const WEBHOOK_LIMIT = 5;

/** A Vonage receipt's fields, signed with `secret` (or not signed at all). */
function receipt(messageId: string, status: string, secret?: string): Record<string, string> {
  const params: Record<string, string> = {
    messageId,
    status,
    msisdn: '447700900123',
    to: 'OTPGATE',
    'err-code': status === 'failed' ? '6' : '0',
    timestamp: String(Math.floor(Date.now() / 1000)),
    nonce: randomUUID(),
  };
  return secret === undefined ? params : { ...params, sig: signVonageParams(params, secret, 'sha256') };
}

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`webhook guards on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let door: PublicDoor;
    let signed: VonageReplay;
    let unsigned: VonageReplay;
    let h: Harness;
    let nextIp = 0;
    /** Each test calls from an address of its own, so the small webhook budget is its alone. */
    const freshIp = () => `203.0.113.${++nextIp}`;

    beforeAll(async () => {
      door = await openPublicDoor();
      signed = await startVonageReplay({
        apiKey: SIGNED.apiKey,
        apiSecret: SIGNED.apiSecret,
        signature: { secret: SIGNED.secret, method: 'sha256' },
      });
      unsigned = await startVonageReplay({ apiKey: UNSIGNED.apiKey, apiSecret: UNSIGNED.apiSecret });
      h = await startHarness(backend, {
        PUBLIC_URL: door.origin,
        SMS_PROVIDERS: [
          `vonage://${SIGNED.apiKey}:${SIGNED.apiSecret}@?from=OTPGATE&base=${signed.baseUrl}` +
            `&signature_secret=${SIGNED.secret}&signature_method=sha256`,
          `vonage://${UNSIGNED.apiKey}:${UNSIGNED.apiSecret}@?from=OTPGATE&base=${unsigned.baseUrl}#vonage-open`,
        ].join(','),
        SMS_ROUTES: '+44=vonage;*=vonage-open',
        RATE_LIMIT_WEBHOOK_PER_MINUTE: String(WEBHOOK_LIMIT),
      });
      door.app = h.app.http;
    });
    afterAll(async () => {
      await h?.close();
      await Promise.all([door?.close(), signed?.close(), unsigned?.close()]);
    });

    async function sendThrough(replay: VonageReplay, to: string): Promise<{ id: string; ref: string }> {
      const id = await queueText(h, { to, text: 'Your code is 482913', expiresInMinutes: 10 });
      await h.app.dispatcher.drain();
      const ref = replay.submissions.find((sent) => sent.form['client-ref'] === id)?.messageIds[0];
      if (ref === undefined) throw new Error(`nothing reached Vonage for ${to}`);
      return { id, ref };
    }

    const getReceipt = (provider: string, params: Record<string, string>, ip = freshIp()) =>
      h.app.http.inject({
        method: 'GET',
        url: `/webhooks/sms/${provider}?${new URLSearchParams(params).toString()}`,
        remoteAddress: ip,
      });

    it('refuses an unsigned receipt for a provider with no signature secret with 403, and the message stays sent', async () => {
      const { id, ref } = await sendThrough(unsigned, uniquePhone());

      expect(await unsigned.sendDeliveryReceipt(ref, 'failed', { errCode: '6' })).toBe(403);
      expect((await getReceipt('vonage-open', receipt(ref, 'failed'))).statusCode).toBe(403);

      expect(await messageOf(h, id)).toMatchObject({ status: 'sent', failedAt: null, error: null });
    });

    it('refuses forged and unsigned receipts with 403 and takes the genuine one', async () => {
      const { id, ref } = await sendThrough(signed, UK_MOBILE);

      const forged = await getReceipt('vonage', receipt(ref, 'failed', 'not-the-signing-secret'));
      const bare = await getReceipt('vonage', receipt(ref, 'failed'));
      expect([forged.statusCode, bare.statusCode]).toEqual([403, 403]);
      expect(forged.json().error.code).toBe('forbidden');
      expect(await messageOf(h, id)).toMatchObject({ status: 'sent', failedAt: null });

      expect((await getReceipt('vonage', receipt(ref, 'delivered', SIGNED.secret))).statusCode).toBe(204);
      expect((await messageOf(h, id)).status).toBe('delivered');
    });

    it.each([
      // Random, so PostgreSQL cannot compress it under its index row limit (~2.7 KB).
      ['a 3 KB id', randomBytes(2304).toString('base64url')],
      ['an id with a NUL', 'ab\u0000cd'],
      ['an id with another control character', 'ab\u001bcd'],
    ])('answers a signed receipt with %s with 400, never 500', async (_case, messageId) => {
      const params = receipt(messageId, 'delivered', SIGNED.secret);
      const byGet = await getReceipt('vonage', params);
      const byJson = await h.app.http.inject({
        method: 'POST',
        url: '/webhooks/sms/vonage',
        remoteAddress: freshIp(),
        payload: params,
      });
      for (const reply of [byGet, byJson]) {
        expect(reply.statusCode).toBe(400);
        expect(reply.json().error.code).toBe('invalid_request');
      }
    });

    it('limits webhook calls per IP with a budget of their own, answering 429 past it', async () => {
      const ip = freshIp();
      const statuses: number[] = [];
      for (let call = 0; call <= WEBHOOK_LIMIT; call++) {
        statuses.push((await getReceipt('vonage', receipt('any-id', 'delivered'), ip)).statusCode);
      }
      expect(statuses).toEqual([...Array<number>(WEBHOOK_LIMIT).fill(403), 429]);

      // The API's own per-IP budget is untouched.
      const openapi = await h.app.http.inject({ method: 'GET', url: '/openapi.json', remoteAddress: ip });
      expect(openapi.statusCode).toBe(200);
    });
  });
}
