import { afterEach, describe, expect, it } from 'vitest';
import type { SmsProvider } from '../../src/sms/provider.js';
import {
  createVonageProvider,
  parseVonageUrl,
  type VonageConfig,
} from '../../src/sms/providers/vonage/index.js';
import { startSmsWebhookReceiver, type SmsWebhookReceiver } from '../support/sms-webhook-receiver.js';
import { startVonageReplay, type VonageReplay, type VonageReplayAccount } from '../support/vonage-server.js';
import { MESSAGE_ID, otpMessage, sendError } from '../support/sms-provider-calls.js';

const API_KEY = 'a1b2c3d4';
const API_SECRET = 'Zx9Yw8Vu7Ts6Rq5P';
const SIGNATURE_SECRET = 'kO3nW8tQ1zP4vB7xL2mF9sD6hJ0gR5cY';
const FIXED_NOW = new Date('2025-03-01T12:00:00Z');

describe('Vonage provider', () => {
  let vonage: VonageReplay;
  let webhook: SmsWebhookReceiver;
  let provider: SmsProvider;
  const extraProviders: SmsProvider[] = [];

  function config(overrides: Partial<VonageConfig> = {}): VonageConfig {
    return {
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      from: 'OTPGATE',
      baseUrl: vonage.baseUrl,
      timeoutMs: 2_000,
      signatureMethod: 'md5hash',
      acceptUnsignedReceipts: false,
      ...overrides,
    };
  }

  function another(overrides: Partial<VonageConfig>): SmsProvider {
    const made = createVonageProvider(config(overrides));
    extraProviders.push(made);
    return made;
  }

  async function start(
    account: Partial<VonageReplayAccount> = {},
    overrides: Partial<VonageConfig> = {},
  ): Promise<void> {
    vonage = await startVonageReplay({ apiKey: API_KEY, apiSecret: API_SECRET, ...account });
    webhook = await startSmsWebhookReceiver('vonage');
    provider = createVonageProvider(config(overrides), {
      statusCallbackUrl: webhook.url,
      now: () => FIXED_NOW,
    });
    webhook.provider = provider;
  }

  afterEach(async () => {
    await Promise.all([provider, ...extraProviders.splice(0)].map((made) => made.close()));
    await webhook.close();
    await vonage.close();
  });

  describe('sending', () => {
    it("returns Vonage's message id, one part and the price in EUR for a short GSM-7 code", async () => {
      await start();

      const result = await provider.send(otpMessage('+447700900123'));

      expect(result.providerRef).toBe(vonage.submissions[0]?.messageIds[0]);
      expect(result.providerRef).toMatch(/^[0-9A-F]{16}$/);
      expect(result.parts).toBe(1);
      expect(result.partRefs).toBeUndefined();
      expect(result.price).toEqual({ amount: 0.0333, currency: 'EUR' });
    });

    it('sends digits without the plus, our message id as client-ref and the webhook as callback', async () => {
      await start();

      await provider.send(otpMessage('+447700900123'));

      expect(vonage.submissions[0]?.form).toEqual({
        api_key: API_KEY,
        api_secret: API_SECRET,
        from: 'OTPGATE',
        to: '447700900123',
        text: 'Your otpgate code is 482913',
        'client-ref': MESSAGE_ID,
        callback: webhook.url,
      });
    });

    it('sends an Arabic text as unicode and reports both parts, their ids and the summed price', async () => {
      await start();
      const arabic = `رمز التحقق الخاص بك هو 482913. لا تشاركه مع أي شخص، ولن نطلبه منك أبداً عبر الهاتف.`;

      const result = await provider.send(otpMessage('+971501234567', arabic));

      expect(vonage.submissions[0]?.form.type).toBe('unicode');
      expect(result.parts).toBe(2);
      expect(result.partRefs).toEqual(vonage.submissions[0]?.messageIds);
      expect(result.providerRef).toBe(result.partRefs?.[0]);
      expect(result.price).toEqual({ amount: 0.0666, currency: 'EUR' });
    });
  });

  describe('failures', () => {
    it('calls invalid credentials (status 4) a configuration error, without echoing the secret', async () => {
      await start();

      const error = await sendError(another({ apiSecret: 'wrong-secret' }), otpMessage('+447700900123'));

      expect([error.code, error.providerCode]).toEqual(['invalid_config', '4']);
      expect(error.message).not.toContain('wrong-secret');
    });

    it('reports throttling (status 1) as rate limited, with the wait Vonage asks for', async () => {
      await start();
      vonage.mode = 'throttle';

      const error = await sendError(provider, otpMessage('+447700900123'));

      expect([error.code, error.providerCode, error.retryAfterMs]).toEqual(['rate_limited', '1', 1000]);
    });

    it('reports an internal error (status 5) and an HTTP 503 as unavailable', async () => {
      await start();
      vonage.mode = 'internal_error';
      const internal = await sendError(provider, otpMessage('+447700900123'));
      vonage.mode = 'outage';
      const outage = await sendError(provider, otpMessage('+447700900123'));

      expect([internal.code, internal.providerCode]).toEqual(['unavailable', '5']);
      expect([outage.code, outage.providerCode]).toEqual(['unavailable', 'http_503']);
    });

    it('rejects a barred number (status 7) and an unroutable one (status 6)', async () => {
      await start();
      vonage.barred.add('447700900666');
      vonage.unroutable.add('999123456789');

      const barred = await sendError(provider, otpMessage('+447700900666'));
      const unroutable = await sendError(provider, otpMessage('+999123456789'));

      expect([barred.code, barred.providerCode]).toEqual(['rejected', '7']);
      expect([unroutable.code, unroutable.providerCode]).toEqual(['rejected', '6']);
    });

    it('calls an exhausted balance (status 9) and an illegal sender (status 15) configuration errors', async () => {
      await start();
      const badSender = await sendError(another({ from: 'OTP-GATE-SENDER' }), otpMessage('+447700900123'));
      vonage.mode = 'no_credit';
      const noCredit = await sendError(provider, otpMessage('+447700900123'));

      expect([badSender.code, badSender.providerCode]).toEqual(['invalid_config', '15']);
      expect([noCredit.code, noCredit.providerCode]).toEqual(['invalid_config', '9']);
    });

    it('calls a missing sender (status 2 naming from) a configuration error but a missing recipient a rejection', async () => {
      await start();

      const noSender = await sendError(another({ from: '' }), otpMessage('+447700900123'));
      const noRecipient = await sendError(provider, otpMessage(''));

      expect([noSender.code, noSender.providerCode]).toEqual(['invalid_config', '2']);
      expect([noRecipient.code, noRecipient.providerCode]).toEqual(['rejected', '2']);
    });

    it('reports an endpoint that refuses connections as unavailable', async () => {
      await start();
      const closedBase = vonage.baseUrl;
      await vonage.close();

      const error = await sendError(another({ baseUrl: closedBase }), otpMessage('+447700900123'));

      expect(error.code).toBe('unavailable');
    });
  });

  describe('delivery receipts', () => {
    it('refuses an unsigned receipt when no signature secret is configured', async () => {
      await start();
      const { providerRef } = await provider.send(otpMessage('+447700900123'));

      expect(await vonage.sendDeliveryReceipt(providerRef, 'failed')).toBe(403);
      expect(webhook.received[0]?.error?.code).toBe('unauthorized');
    });

    it('accepts an unsigned receipt when the operator said unsigned_receipts=accept', async () => {
      await start({}, { acceptUnsignedReceipts: true });
      const { providerRef } = await provider.send(otpMessage('+447700900123'));

      const status = await vonage.sendDeliveryReceipt(providerRef, 'delivered');

      expect(status).toBe(204);
      expect(webhook.received[0]?.receipts).toEqual([
        { provider: 'vonage', providerRef, status: 'delivered', at: FIXED_NOW },
      ]);
    });

    it.each(['GET', 'POST-JSON', 'POST-FORM'] as const)(
      'verifies a SHA-256-signed receipt that arrives as %s and yields one receipt per part',
      async (delivery) => {
        await start(
          { signature: { secret: SIGNATURE_SECRET, method: 'sha256' } },
          { signatureSecret: SIGNATURE_SECRET, signatureMethod: 'sha256' },
        );
        const result = await provider.send(otpMessage('+971501234567', `رمز التحقق ${'ي'.repeat(80)}`));
        const partRefs = result.partRefs ?? [];

        for (const ref of partRefs) await vonage.sendDeliveryReceipt(ref, 'delivered', { delivery });

        expect(partRefs).toHaveLength(2);
        expect(webhook.received.map((call) => call.receipts?.[0]?.providerRef)).toEqual(partRefs);
        expect(webhook.received.every((call) => call.receipts?.[0]?.status === 'delivered')).toBe(true);
      },
    );

    it("verifies a receipt signed with the dashboard's default MD5 hash", async () => {
      await start(
        { signature: { secret: SIGNATURE_SECRET, method: 'md5hash' } },
        { signatureSecret: SIGNATURE_SECRET },
      );
      const { providerRef } = await provider.send(otpMessage('+447700900123'));

      expect(await vonage.sendDeliveryReceipt(providerRef, 'delivered')).toBe(204);
    });

    it('maps an expired message to undelivered with its err-code, and makes no receipt for "unknown"', async () => {
      await start({}, { acceptUnsignedReceipts: true });
      const { providerRef } = await provider.send(otpMessage('+447700900123'));

      await vonage.sendDeliveryReceipt(providerRef, 'expired', { errCode: '2' });
      await vonage.sendDeliveryReceipt(providerRef, 'unknown', { errCode: '1' });

      expect(webhook.received.map((call) => call.receipts)).toEqual([
        [{ provider: 'vonage', providerRef, status: 'undelivered', errorCode: '2', at: FIXED_NOW }],
        [],
      ]);
    });

    it('refuses an unsigned receipt once a signature secret is configured', async () => {
      await start({}, { signatureSecret: SIGNATURE_SECRET, signatureMethod: 'sha256' });
      const { providerRef } = await provider.send(otpMessage('+447700900123'));

      const status = await vonage.sendDeliveryReceipt(providerRef, 'delivered');

      expect(status).toBe(403);
      expect(webhook.received[0]?.error?.code).toBe('unauthorized');
    });

    it('refuses a signed receipt whose status was changed after signing', async () => {
      await start(
        { signature: { secret: SIGNATURE_SECRET, method: 'sha256' } },
        { signatureSecret: SIGNATURE_SECRET, signatureMethod: 'sha256' },
      );
      const { providerRef } = await provider.send(otpMessage('+447700900123'));
      await vonage.sendDeliveryReceipt(providerRef, 'failed', { errCode: '6' });
      const genuine = webhook.received[0]?.request;
      if (genuine === undefined) throw new Error('no receipt arrived');

      expect(() =>
        provider.parseWebhook?.({
          ...genuine,
          query: { ...genuine.query, status: 'delivered', 'err-code': '0' },
        }),
      ).toThrowError(expect.objectContaining({ code: 'unauthorized' }));
    });

    it('refuses a receipt signed with another secret', async () => {
      await start(
        { signature: { secret: 'not-our-secret', method: 'sha256' } },
        { signatureSecret: SIGNATURE_SECRET, signatureMethod: 'sha256' },
      );
      const { providerRef } = await provider.send(otpMessage('+447700900123'));

      expect(await vonage.sendDeliveryReceipt(providerRef, 'delivered')).toBe(403);
    });
  });
});

describe('parseVonageUrl', () => {
  it('reads key, secret, sender, endpoint and signature settings from the provider URL', () => {
    expect(
      parseVonageUrl(
        `vonage://${API_KEY}:${API_SECRET}@?from=OTPGATE&base=http://127.0.0.1:4011&signature_secret=${SIGNATURE_SECRET}&signature_method=sha256`,
      ),
    ).toEqual({
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      from: 'OTPGATE',
      baseUrl: 'http://127.0.0.1:4011',
      timeoutMs: 10_000,
      signatureSecret: SIGNATURE_SECRET,
      signatureMethod: 'sha256',
      acceptUnsignedReceipts: false,
    });
  });

  it('takes unsigned receipts only when the URL says unsigned_receipts=accept', () => {
    const url = `vonage://${API_KEY}:${API_SECRET}@?from=OTPGATE`;
    expect(parseVonageUrl(url).acceptUnsignedReceipts).toBe(false);
    expect(parseVonageUrl(`${url}&unsigned_receipts=accept`).acceptUnsignedReceipts).toBe(true);
  });

  it("defaults to Vonage's API and MD5-hash signatures, and drops the '+' of a numeric sender", () => {
    expect(parseVonageUrl(`vonage://${API_KEY}:${API_SECRET}@?from=%2B15550001111`)).toMatchObject({
      from: '15550001111',
      baseUrl: 'https://rest.nexmo.com',
      signatureMethod: 'md5hash',
      signatureSecret: undefined,
    });
  });

  it.each([
    ['no API key', `vonage://:${API_SECRET}@?from=OTPGATE`, /API key/],
    ['no API secret', `vonage://${API_KEY}@?from=OTPGATE`, /API secret/],
    ['no sender', `vonage://${API_KEY}:${API_SECRET}@`, /'from' is required/],
    ['a 12-letter sender', `vonage://${API_KEY}:${API_SECRET}@?from=OTPGATEOTPGA`, /'from'/],
    [
      'an unknown method',
      `vonage://${API_KEY}:${API_SECRET}@?from=OTPGATE&signature_method=crc32`,
      /signature_method/,
    ],
    [
      'both a secret and unsigned receipts',
      `vonage://${API_KEY}:${API_SECRET}@?from=OTPGATE&signature_secret=x&unsigned_receipts=accept`,
      /not both/,
    ],
    [
      'unsigned receipts set to anything but accept',
      `vonage://${API_KEY}:${API_SECRET}@?from=OTPGATE&unsigned_receipts=yes`,
      /unsigned_receipts/,
    ],
    [
      'a misspelt parameter',
      `vonage://${API_KEY}:${API_SECRET}@?from=OTPGATE&signature_secert=x`,
      /signature_secert/,
    ],
  ])('names the problem when the URL has %s, without repeating the secret', (_case, url, problem) => {
    expect(() => parseVonageUrl(url)).toThrowError(problem);
    try {
      parseVonageUrl(url);
    } catch (error) {
      expect((error as Error).message).not.toContain(API_SECRET);
    }
  });
});
