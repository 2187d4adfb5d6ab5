/**
 * Codes by WhatsApp through the Cloud API, against a loopback replay of Meta's documented API: the
 * authentication template goes out with the code, Meta's signed status webhooks make the message delivered
 * and read, a forged one is refused, the subscription handshake is answered; and a workflow whatsapp -> sms
 * falls back to a text when the WhatsApp message fails or its step times out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Auth } from '@vonage/auth';
import { AuthenticationType } from '@vonage/server-client';
import { Channels, Verify2 } from '@vonage/verify2';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevOutboxProvider } from '../../src/sms/providers/dev-outbox/index.js';
import { planSmsProviders } from '../../src/sms/providers/index.js';
import { createWhatsAppProvider, parseWhatsAppUrl } from '../../src/sms/providers/whatsapp/index.js';
import { messageOf, statusBecomes } from '../sms/dispatch/helpers.js';
import { checkCode, startVerification, textsIn, type WireVerification } from '../support/channels.js';
import { backends } from '../support/database.js';
import { AUTH, CLIENT_KEY, codeIn, startHarness, uniquePhone, type Harness } from '../support/harness.js';
import { startWhatsAppReplay, type WhatsAppReplay } from '../support/whatsapp-server.js';

const APP_SECRET = 'meta-app-secret-for-the-replay';

/** Vonage's SDK with the account's Basic credentials (its default is an application JWT). */
class BasicVerify2 extends Verify2 {
  protected override authType = AuthenticationType.BASIC;
}
const VERIFY_TOKEN = 'our-verify-token-0123';

for (const { backend } of backends) {
  describe(`WhatsApp codes on ${backend.name}`, () => {
    let replay: WhatsAppReplay;
    let h: Harness;
    let webhookUrl: string;
    let origin: string;
    let smsDir: string;

    /** The texts the SMS provider (the dev outbox) sent to a number. */
    const textsTo = (phone: string) => textsIn(join(smsDir, 'sms.jsonl'), phone);

    const start = async (payload: object) => {
      const reply = await startVerification(h, payload);
      expect(reply.statusCode, reply.body).toBe(201);
      return reply.json<WireVerification>();
    };
    const check = (id: string, code: string) => checkCode(h, id, code);
    /** The replay's record of the WhatsApp message sent to a number (the newest). */
    const whatsAppTo = (phone: string) => replay.submissions.filter((s) => s.to === phone.slice(1)).at(-1);

    beforeAll(async () => {
      replay = await startWhatsAppReplay({
        accessToken: 'EAAG-test-token',
        phoneNumberId: '106540352242922',
        appSecret: APP_SECRET,
        templates: { otp_code: ['en_US', 'ar'] },
      });
      smsDir = mkdtempSync(join(tmpdir(), 'otpgate-wa-sms-'));
      const whatsapp = createWhatsAppProvider(
        parseWhatsAppUrl(
          `whatsapp://EAAG-test-token@106540352242922?template=otp_code&app_secret=${APP_SECRET}` +
            `&verify_token=${VERIFY_TOKEN}&base=${encodeURIComponent(replay.baseUrl)}`,
        ),
      );
      const sms = createDevOutboxProvider({ file: join(smsDir, 'sms.jsonl'), echo: null });
      h = await startHarness(backend, {}, { providers: [sms, whatsapp] });
      origin = await h.listen();
      webhookUrl = `${origin}/webhooks/sms/whatsapp`;
    });
    afterAll(async () => {
      await h?.close();
      await replay?.close();
      rmSync(smsDir, { recursive: true, force: true });
    });

    it('sends the code in the authentication template, and signed statuses make it delivered, then read', async () => {
      const phone = uniquePhone();
      const started = await start({ to: phone, channel: 'whatsapp', locale: 'en' });
      expect(started).toMatchObject({ channel: 'whatsapp', workflow: null, status: 'pending' });
      const messageId = started.sends[0]?.messageId ?? '';
      expect(started.sends[0]?.channel).toBe('whatsapp');

      await h.app.dispatcher.drain();
      const sent = whatsAppTo(phone);
      expect(sent).toMatchObject({ template: 'otp_code', language: 'en_US' });
      expect(sent?.code).toMatch(/^\d{6}$/);
      expect(await messageOf(h, messageId)).toMatchObject({
        status: 'sent',
        provider: 'whatsapp',
        providerRef: sent?.wamid,
      });
      expect(textsTo(phone)).toEqual([]);

      expect(await replay.postStatus(webhookUrl, sent?.wamid ?? '', 'sent')).toBe(204);
      expect(await replay.postStatus(webhookUrl, sent?.wamid ?? '', 'delivered')).toBe(204);
      const delivered = await statusBecomes(h, messageId, 'delivered');
      expect(delivered.deliveredAt).not.toBeNull();
      expect(await replay.postStatus(webhookUrl, sent?.wamid ?? '', 'read')).toBe(204);
      const read = (await messageOf(h, messageId)) as unknown as { status: string; readAt: string | null };
      expect(read).toMatchObject({ status: 'delivered', readAt: expect.any(String) as unknown });

      const checked = await check(started.id, sent?.code ?? '');
      expect(checked).toMatchObject({ valid: true, verification: { status: 'approved' } });
    });

    it('sends an Arabic verification in the template’s Arabic translation', async () => {
      const phone = uniquePhone();
      await start({ to: phone, channel: 'whatsapp', locale: 'ar' });
      await h.app.dispatcher.drain();
      expect(whatsAppTo(phone)?.language).toBe('ar');
    });

    it('refuses a status whose signature was made with another secret, and the message stays sent', async () => {
      const phone = uniquePhone();
      const started = await start({ to: phone, channel: 'whatsapp' });
      await h.app.dispatcher.drain();
      const wamid = whatsAppTo(phone)?.wamid ?? '';

      expect(await replay.postStatus(webhookUrl, wamid, 'delivered', { secret: 'not-the-app-secret' })).toBe(
        403,
      );
      expect(await messageOf(h, started.sends[0]?.messageId ?? '')).toMatchObject({ status: 'sent' });
    });

    it('answers Meta’s subscription handshake with its challenge, and refuses a token that is not ours', async () => {
      const handshake = (token: string) =>
        h.app.http.inject({
          method: 'GET',
          url: `/webhooks/sms/whatsapp?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`,
        });
      const answered = await handshake(VERIFY_TOKEN);
      expect(answered.statusCode).toBe(200);
      expect(answered.body).toBe('1158201444');
      expect((await handshake('guessed-token')).statusCode).toBe(403);
    });

    it('fails a code whose language the template has no translation in, with Meta’s error', async () => {
      const phone = uniquePhone();
      const started = await start({ to: phone, channel: 'whatsapp', locale: 'fa' });
      await h.app.dispatcher.drain();
      expect(whatsAppTo(phone)).toBeUndefined();
      const message = await messageOf(h, started.sends[0]?.messageId ?? '');
      expect(message).toMatchObject({ status: 'failed', error: { code: '132001' } });
    });

    it('falls back to SMS when the WhatsApp message fails, and the code from the SMS approves', async () => {
      const phone = uniquePhone();
      const started = await start({ to: phone, workflow: [{ channel: 'whatsapp' }, { channel: 'sms' }] });
      expect(started).toMatchObject({ channel: 'whatsapp', step: 0 });
      await h.app.dispatcher.drain();
      const whatsAppCode = whatsAppTo(phone)?.code ?? '';
      expect(await h.app.domain.verifications.advanceWorkflows()).toBe(0);

      expect(await replay.postStatus(webhookUrl, whatsAppTo(phone)?.wamid ?? '', 'failed')).toBe(204);
      await statusBecomes(h, started.sends[0]?.messageId ?? '', 'failed');
      expect(await h.app.domain.verifications.advanceWorkflows()).toBe(1);
      await h.app.dispatcher.drain();

      const smsCode = codeIn(textsTo(phone).at(-1));
      expect(smsCode).toMatch(/^\d{6}$/);
      // The WhatsApp code was retired with its step; its wrong check still counts against the verification.
      const stale = whatsAppCode === smsCode ? undefined : await check(started.id, whatsAppCode);
      expect(stale?.valid ?? false).toBe(false);
      const approved = await check(started.id, smsCode);
      expect(approved).toMatchObject({
        valid: true,
        verification: { status: 'approved', channel: 'sms', step: 1, checks: stale === undefined ? 1 : 2 },
      });
      expect(approved.verification.sends.map((send) => send.channel)).toEqual(['whatsapp', 'sms']);
    });

    it('runs a WhatsApp verification through Twilio’s own SDK: Channel whatsapp, and the code from WhatsApp approves', async () => {
      const me = await h.app.http.inject({ method: 'GET', url: '/v1/clients/me', headers: AUTH });
      const client = twilio(me.json<{ accountSid: string }>().accountSid, CLIENT_KEY);
      client.verify.baseUrl = origin;
      const service = await client.verify.v2.services.create({ friendlyName: 'Souq' });
      const phone = uniquePhone();
      const created = await client.verify.v2
        .services(service.sid)
        .verifications.create({ to: phone, channel: 'whatsapp' });
      expect(created).toMatchObject({ channel: 'whatsapp', status: 'pending' });
      expect(created.sendCodeAttempts).toMatchObject([{ channel: 'whatsapp' }]);

      await h.app.dispatcher.drain();
      const code = whatsAppTo(phone)?.code ?? '';
      const checked = await client.verify.v2
        .services(service.sid)
        .verificationChecks.create({ to: phone, code });
      expect(checked).toMatchObject({ status: 'approved', valid: true, channel: 'whatsapp' });
    });

    it('runs a WhatsApp verification through Vonage’s own SDK: a whatsapp workflow step, and the code from WhatsApp completes it', async () => {
      const client = new BasicVerify2(new Auth({ apiKey: 'test', apiSecret: CLIENT_KEY }), {
        apiHost: origin,
      });
      const phone = uniquePhone();
      const { requestId } = await client.newRequest({
        brand: 'Souq',
        workflow: [{ channel: Channels.WHATSAPP, to: phone.slice(1) }],
      } as never);
      await h.app.dispatcher.drain();
      const code = whatsAppTo(phone)?.code ?? '';
      expect(code).toMatch(/^\d{6}$/);
      expect(await textsTo(phone)).toEqual([]);
      expect(await client.checkCode(requestId, code)).toBe('completed');
    });

    it('moves a step once when two nodes sweep at the same moment: one SMS, one new code', async () => {
      const phone = uniquePhone();
      const started = await start({
        to: phone,
        workflow: [{ channel: 'whatsapp', timeoutSeconds: 15 }, { channel: 'sms' }],
      });
      await h.app.dispatcher.drain();
      h.clock.advance(16_000);
      const moved = await Promise.all([
        h.app.domain.verifications.advanceWorkflows(),
        h.app.domain.verifications.advanceWorkflows(),
        h.app.domain.verifications.advanceWorkflows(),
      ]);
      expect(moved.reduce((sum, count) => sum + count, 0)).toBe(1);
      await h.app.dispatcher.drain();
      expect(textsTo(phone)).toHaveLength(1);
      expect((await check(started.id, codeIn(textsTo(phone)[0]))).valid).toBe(true);
    });

    it('counts a phone’s codes per channel and in total: MAX_SENDS_WHATSAPP by WhatsApp, then texts up to the total', async () => {
      const phone = uniquePhone();
      for (const _ of [1, 2, 3]) await start({ to: phone, channel: 'whatsapp' });
      const fourth = await startVerification(h, { to: phone, channel: 'whatsapp' });
      expect(fourth.statusCode).toBe(429);
      expect(fourth.json()).toMatchObject({ error: { code: 'too_many_sends' } });
      // The total (MAX_SENDS_PER_PHONE, 5) still leaves two texts, then nothing more by any channel.
      for (const _ of [1, 2]) await start({ to: phone });
      const sixth = await startVerification(h, { to: phone });
      expect(sixth.statusCode).toBe(429);
    });

    it('falls back to SMS when nobody approves the WhatsApp code within its step’s timeout', async () => {
      const phone = uniquePhone();
      const started = await start({
        to: phone,
        workflow: [{ channel: 'whatsapp', timeoutSeconds: 60 }, { channel: 'sms' }],
      });
      await h.app.dispatcher.drain();
      expect(await replay.postStatus(webhookUrl, whatsAppTo(phone)?.wamid ?? '', 'delivered')).toBe(204);
      h.clock.advance(59_000);
      expect(await h.app.domain.verifications.advanceWorkflows()).toBe(0);
      expect(textsTo(phone)).toEqual([]);

      h.clock.advance(2_000);
      expect(await h.app.domain.verifications.advanceWorkflows()).toBe(1);
      await h.app.dispatcher.drain();
      const smsCode = codeIn(textsTo(phone).at(-1));
      expect(await check(started.id, smsCode)).toMatchObject({ valid: true });
    });
  });
}

describe('a whatsapp:// provider URL', () => {
  const url =
    'whatsapp://EAAG-token@106540352242922?template=otp_code&app_secret=s3cret&verify_token=tok&language_fa=fa_IR';

  it('names the phone number id, the template and its language per locale', () => {
    expect(parseWhatsAppUrl(url)).toMatchObject({
      accessToken: 'EAAG-token',
      phoneNumberId: '106540352242922',
      template: 'otp_code',
      languages: { en: 'en_US', ar: 'ar', fa: 'fa_IR' },
      version: 'v21.0',
      baseUrl: 'https://graph.facebook.com',
    });
  });

  it('is planned as a provider of the whatsapp channel, next to the SMS ones', () => {
    const plans = planSmsProviders([url, 'smtp://mailer:pw@mail.example.com:587?from=codes@example.com']);
    expect(plans.map((plan) => [plan.name, plan.kind])).toEqual([
      ['whatsapp', 'whatsapp'],
      ['smtp', 'smtp'],
    ]);
  });

  it('refuses one without the app secret its webhooks are verified with, without echoing the token', () => {
    expect(() => planSmsProviders([url.replace('&app_secret=s3cret', '')])).toThrow(
      /entry 1 \(whatsapp\): whatsapp URL: parameter 'app_secret' is required/,
    );
    expect(() => planSmsProviders([url.replace('&app_secret=s3cret', '')])).not.toThrow(/EAAG-token/);
  });
});
