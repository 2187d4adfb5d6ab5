import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SmsProvider } from '../../src/sms/provider.js';
import {
  createTwilioProvider,
  parseTwilioUrl,
  type TwilioConfig,
} from '../../src/sms/providers/twilio/index.js';
import { startSmsWebhookReceiver, type SmsWebhookReceiver } from '../support/sms-webhook-receiver.js';
import { signTwilioRequest, startTwilioReplay, type TwilioReplay } from '../support/twilio-server.js';
import { otpMessage, sendError } from '../support/sms-provider-calls.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'f3a9c2e1d4b5a6978877665544332211';
const OWNED_NUMBER = '+15550001111';
const SECOND_NUMBER = '+15550002222';
const SERVICE_SID = `MG${'fedcba9876543210'.repeat(2)}`;
const FIXED_NOW = new Date('2025-03-01T12:00:00Z');

describe('Twilio provider', () => {
  let twilio: TwilioReplay;
  let webhook: SmsWebhookReceiver;
  let provider: SmsProvider;

  function config(overrides: Partial<TwilioConfig> = {}): TwilioConfig {
    return {
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: OWNED_NUMBER,
      baseUrl: twilio.baseUrl,
      timeoutMs: 2_000,
      ...overrides,
    };
  }

  beforeEach(async () => {
    twilio = await startTwilioReplay({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      ownedNumbers: [OWNED_NUMBER, SECOND_NUMBER],
      messagingServiceSids: [SERVICE_SID],
    });
    webhook = await startSmsWebhookReceiver('twilio');
    provider = createTwilioProvider(config(), { statusCallbackUrl: webhook.url, now: () => FIXED_NOW });
    webhook.provider = provider;
  });

  afterEach(async () => {
    await provider.close();
    await webhook.close();
    await twilio.close();
  });

  describe('sending', () => {
    it('returns the Twilio message sid and one part for a short GSM-7 code', async () => {
      const result = await provider.send(otpMessage('+447700900123'));

      expect(result.providerRef).toMatch(/^SM[0-9a-f]{32}$/);
      expect(result.providerRef).toBe(twilio.created[0]?.sid);
      expect(result.parts).toBe(1);
      expect(result.price).toBeUndefined();
    });

    it('sends To, From, Body and the status callback URL as Twilio expects them', async () => {
      await provider.send(otpMessage('+447700900123'));

      expect(twilio.created[0]?.form).toEqual({
        To: '+447700900123',
        From: OWNED_NUMBER,
        Body: 'Your otpgate code is 482913',
        StatusCallback: webhook.url,
      });
    });

    it('reports the segments Twilio counted for a long Unicode text', async () => {
      const result = await provider.send(
        otpMessage('+447700900123', `رمز التحقق الخاص بك هو 482913. ${'ي'.repeat(60)}`),
      );

      expect(result.parts).toBe(2);
    });

    it('reports what Twilio charged as a positive amount in its currency', async () => {
      twilio.priceOnCreate = '-0.00750';

      const result = await provider.send(otpMessage('+447700900123'));

      expect(result.price).toEqual({ amount: 0.0075, currency: 'USD' });
    });

    it('sends through a Messaging Service and counts the parts itself while Twilio reports 0 segments', async () => {
      const viaService = createTwilioProvider(config({ from: undefined, messagingServiceSid: SERVICE_SID }));
      try {
        const result = await viaService.send(otpMessage('+447700900123', 'x'.repeat(200)));

        expect(twilio.created[0]?.form.MessagingServiceSid).toBe(SERVICE_SID);
        expect(twilio.created[0]?.form.From).toBeUndefined();
        expect(result.parts).toBe(2);
      } finally {
        await viaService.close();
      }
    });

    it('uses the sender a message asks for instead of the configured one', async () => {
      await provider.send({ ...otpMessage('+447700900123'), from: SECOND_NUMBER });

      expect(twilio.created[0]?.form.From).toBe(SECOND_NUMBER);
    });
  });

  describe('failures', () => {
    it('rejects an invalid To number with Twilio error 21211', async () => {
      const error = await sendError(provider, otpMessage('+1555'));

      expect(error.code).toBe('rejected');
      expect(error.providerCode).toBe('21211');
      expect(error.message).toContain("The 'To' number +1555 is not a valid phone number.");
    });

    it('rejects a landline (21614), an unsubscribed recipient (21610) and a region not enabled (21408)', async () => {
      twilio.landlines.add('+14155550100');
      twilio.unsubscribed.add('+14155550101');
      twilio.disabledRegionPrefixes.push('+98');

      const errors = await Promise.all(
        ['+14155550100', '+14155550101', '+989121234567'].map((to) => sendError(provider, otpMessage(to))),
      );

      expect(errors.map((error) => [error.code, error.providerCode])).toEqual([
        ['rejected', '21614'],
        ['rejected', '21610'],
        ['rejected', '21408'],
      ]);
    });

    it('calls wrong credentials a configuration error (20003), without echoing the token', async () => {
      const wrong = createTwilioProvider(config({ authToken: 'not-the-token' }));
      try {
        const error = await sendError(wrong, otpMessage('+447700900123'));

        expect(error.code).toBe('invalid_config');
        expect(error.providerCode).toBe('20003');
        expect(error.message).not.toContain('not-the-token');
      } finally {
        await wrong.close();
      }
    });

    it('calls a sender the account does not own a configuration error (21606)', async () => {
      const stranger = createTwilioProvider(config({ from: '+15559990000' }));
      try {
        const error = await sendError(stranger, otpMessage('+447700900123'));

        expect(error.code).toBe('invalid_config');
        expect(error.providerCode).toBe('21606');
      } finally {
        await stranger.close();
      }
    });

    it('reports throttling (429, code 20429) as rate limited and transient', async () => {
      twilio.mode = 'throttle';

      const error = await sendError(provider, otpMessage('+447700900123'));

      expect(error.code).toBe('rate_limited');
      expect(error.providerCode).toBe('20429');
      expect(error.transient).toBe(true);
    });

    it('reports a Twilio outage (503) as unavailable', async () => {
      twilio.mode = 'outage';

      const error = await sendError(provider, otpMessage('+447700900123'));

      expect(error.code).toBe('unavailable');
    });

    it('gives up as unavailable when Twilio does not answer within the timeout', async () => {
      twilio.mode = 'hang';
      const patient = createTwilioProvider(config({ timeoutMs: 150 }));
      try {
        const error = await sendError(patient, otpMessage('+447700900123'));

        expect(error.code).toBe('unavailable');
        expect(error.message).toContain('no reply within 150 ms');
      } finally {
        await patient.close();
      }
    });

    it('reports an endpoint that refuses connections as unavailable', async () => {
      const closed = twilio.baseUrl;
      await twilio.close();
      const unreachable = createTwilioProvider(config({ baseUrl: closed }));
      try {
        expect((await sendError(unreachable, otpMessage('+447700900123'))).code).toBe('unavailable');
      } finally {
        await unreachable.close();
      }
    });
  });

  describe('status callbacks', () => {
    it('turns a signed "delivered" callback into a delivered receipt for the message sid', async () => {
      const { providerRef } = await provider.send(otpMessage('+447700900123'));

      const status = await twilio.postStatusCallback(providerRef, 'delivered');

      expect(status).toBe(204);
      expect(webhook.received[0]?.receipts).toEqual([
        { provider: 'twilio', providerRef, status: 'delivered', at: FIXED_NOW },
      ]);
    });

    it("carries Twilio's ErrorCode on an undelivered receipt", async () => {
      const { providerRef } = await provider.send(otpMessage('+447700900123'));

      await twilio.postStatusCallback(providerRef, 'undelivered', '30003');

      expect(webhook.received[0]?.receipts).toEqual([
        { provider: 'twilio', providerRef, status: 'undelivered', errorCode: '30003', at: FIXED_NOW },
      ]);
    });

    it('makes no receipt for the "queued" and "sending" steps that send() already reported', async () => {
      const { providerRef } = await provider.send(otpMessage('+447700900123'));

      await twilio.postStatusCallback(providerRef, 'queued');
      await twilio.postStatusCallback(providerRef, 'sending');
      await twilio.postStatusCallback(providerRef, 'sent');

      expect(webhook.received.map((call) => call.receipts?.map((receipt) => receipt.status))).toEqual([
        [],
        [],
        ['sent'],
      ]);
    });

    it('refuses a callback without X-Twilio-Signature as unauthorized', async () => {
      const { providerRef } = await provider.send(otpMessage('+447700900123'));
      await twilio.postStatusCallback(providerRef, 'delivered');
      const genuine = webhook.received[0]?.request;
      if (genuine === undefined) throw new Error('no callback arrived');
      const { 'x-twilio-signature': _signature, ...unsigned } = genuine.headers;

      expect(() => provider.parseWebhook?.({ ...genuine, headers: unsigned })).toThrowError(
        expect.objectContaining({ code: 'unauthorized' }),
      );
    });

    it('refuses a callback whose fields were changed after Twilio signed them', async () => {
      const { providerRef } = await provider.send(otpMessage('+447700900123'));
      await twilio.postStatusCallback(providerRef, 'failed', '30007');
      const genuine = webhook.received[0]?.request;
      if (genuine === undefined) throw new Error('no callback arrived');
      const forgedBody = {
        ...(genuine.body as Record<string, string>),
        MessageStatus: 'delivered',
        ErrorCode: '',
      };

      expect(() => provider.parseWebhook?.({ ...genuine, body: forgedBody })).toThrowError(
        expect.objectContaining({ code: 'unauthorized' }),
      );
    });

    it('answers 403 to a callback signed with another Auth Token', async () => {
      const params = {
        MessageSid: `SM${'a'.repeat(32)}`,
        MessageStatus: 'delivered',
        AccountSid: ACCOUNT_SID,
      };
      const forged = signTwilioRequest('someone-elses-token', webhook.url, params);

      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': forged },
        body: new URLSearchParams(params),
      });

      expect(response.status).toBe(403);
      expect(webhook.received[0]?.error?.code).toBe('unauthorized');
    });

    it('accepts a signature made over the URL with the default port that a proxy dropped', () => {
      const params = { MessageSid: `SM${'b'.repeat(32)}`, MessageStatus: 'delivered' };
      const signed = signTwilioRequest(AUTH_TOKEN, 'https://otp.example.com:443/webhooks/sms/twilio', params);

      const receipts = provider.parseWebhook?.({
        url: 'https://otp.example.com/webhooks/sms/twilio',
        method: 'POST',
        headers: { 'x-twilio-signature': signed },
        body: params,
        query: {},
      });

      expect(receipts?.[0]?.status).toBe('delivered');
    });
  });
});

describe('parseTwilioUrl', () => {
  it('reads credentials, sender, endpoint and timeout from the provider URL', () => {
    expect(
      parseTwilioUrl(
        `twilio://${ACCOUNT_SID}:${AUTH_TOKEN}@?from=%2B15550001111&base=http://127.0.0.1:4010&timeout_ms=5000`,
      ),
    ).toEqual({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: '+15550001111',
      baseUrl: 'http://127.0.0.1:4010',
      timeoutMs: 5000,
    });
  });

  it("defaults to Twilio's API and a 10 second timeout, and keeps a literal '+' in the sender", () => {
    const config = parseTwilioUrl(`twilio://${ACCOUNT_SID}:${AUTH_TOKEN}@?from=+15550001111`);

    expect(config).toMatchObject({
      from: '+15550001111',
      baseUrl: 'https://api.twilio.com',
      timeoutMs: 10_000,
    });
  });

  it('accepts a Messaging Service instead of a sender number', () => {
    expect(
      parseTwilioUrl(`twilio://${ACCOUNT_SID}:${AUTH_TOKEN}@?messaging_service_sid=${SERVICE_SID}`),
    ).toMatchObject({ messagingServiceSid: SERVICE_SID, from: undefined });
  });

  it.each([
    [`twilio://ACnope:${AUTH_TOKEN}@?from=%2B1555`, /Account SID/],
    [`twilio://${ACCOUNT_SID}:@?from=%2B1555`, /Auth Token/],
    [`twilio://${ACCOUNT_SID}:${AUTH_TOKEN}@`, /'from' or 'messaging_service_sid'/],
    [`twilio://${ACCOUNT_SID}:${AUTH_TOKEN}@?from=%2B1555&form=x`, /unknown parameter 'form'/],
    [`twilio://${ACCOUNT_SID}:${AUTH_TOKEN}@?messaging_service_sid=MG1`, /messaging_service_sid/],
    [`twilio://${ACCOUNT_SID}:${AUTH_TOKEN}@?from=%2B1555&base=ftp://x`, /'base'/],
    [`twilio://${ACCOUNT_SID}:${AUTH_TOKEN}@?from=%2B1555&timeout_ms=soon`, /'timeout_ms'/],
    [`vonage://${ACCOUNT_SID}:${AUTH_TOKEN}@?from=%2B1555`, /scheme/],
  ])('names the bad part of %s without repeating the token', (url, problem) => {
    let message = '';
    try {
      parseTwilioUrl(url);
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toMatch(problem);
    expect(message).not.toContain(AUTH_TOKEN);
  });
});
