/**
 * Codes by email over SMTP (nodemailer), against a local SMTP server: a code mailed to an address approves,
 * a wrong password is the provider's to fix (535), an address has its own send limit, and a workflow
 * sms -> email mails a new code once the text's step times out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevOutboxProvider } from '../../src/sms/providers/dev-outbox/index.js';
import { createSmtpProvider, parseSmtpUrl } from '../../src/sms/providers/smtp/index.js';
import { messageOf } from '../sms/dispatch/helpers.js';
import { checkCode, startVerification, textsIn, type WireVerification } from '../support/channels.js';
import { backends } from '../support/database.js';
import {
  AUTH,
  CLIENT_KEY,
  codeIn,
  startHarness,
  uniqueEmail,
  uniquePhone,
  type Harness,
} from '../support/harness.js';
import { startSmtpReceiver, type SmtpReceiver } from '../support/smtp-receiver.js';

for (const { backend } of backends) {
  describe(`email codes on ${backend.name}`, () => {
    let smtp: SmtpReceiver;
    let h: Harness;
    let smsDir: string;

    const start = (payload: object) => startVerification(h, payload);
    const check = (id: string, code: string) => checkCode(h, id, code);
    const mailTo = (address: string) => smtp.mails.filter((mail) => mail.to.includes(address)).at(-1);
    const smsTo = (phone: string) => textsIn(join(smsDir, 'sms.jsonl'), phone).at(-1);

    beforeAll(async () => {
      smtp = await startSmtpReceiver({ user: 'mailer', password: 'mail-pass' });
      smsDir = mkdtempSync(join(tmpdir(), 'otpgate-email-sms-'));
      const url = (password: string, name: string) =>
        createSmtpProvider(
          parseSmtpUrl(
            `smtp://mailer:${password}@127.0.0.1:${smtp.port}?from=codes@example.com&from_name=otpgate`,
          ),
          { name },
        );
      h = await startHarness(
        backend,
        { MAX_SENDS_EMAIL: '2', LOG_LEVEL: 'warn' },
        {
          providers: [
            createDevOutboxProvider({ file: join(smsDir, 'sms.jsonl'), echo: null }),
            url('mail-pass', 'smtp'),
          ],
        },
      );
    });
    afterAll(async () => {
      await h?.close();
      await smtp?.close();
      rmSync(smsDir, { recursive: true, force: true });
    });

    it('mails a code to an address, and the code from the mail approves', async () => {
      const address = uniqueEmail();
      const started = await start({ to: address.toUpperCase(), channel: 'email', locale: 'en' });
      expect(started.statusCode, started.body).toBe(201);
      const verification = started.json<WireVerification>();
      expect(verification).toMatchObject({ to: address, channel: 'email' });

      await h.app.dispatcher.drain();
      const mail = mailTo(address);
      expect(mail?.from).toBe('codes@example.com');
      expect(mail?.raw).toMatch(/^Subject: Your otpgate verification code$/m);
      const code = codeIn(mail?.text);
      expect(code).toMatch(/^\d{6}$/);
      const message = await messageOf(h, verification.sends[0]?.messageId ?? '');
      expect(message).toMatchObject({ status: 'sent', provider: 'smtp' });
      expect(JSON.stringify(message)).not.toContain(code);

      expect(await check(verification.id, code)).toMatchObject({
        valid: true,
        verification: { status: 'approved' },
      });
    });

    it('runs an email verification through Twilio’s own SDK (Channel email), checked by its To', async () => {
      const me = await h.app.http.inject({ method: 'GET', url: '/v1/clients/me', headers: AUTH });
      const client = twilio(me.json<{ accountSid: string }>().accountSid, CLIENT_KEY);
      client.verify.baseUrl = await h.listen();
      const service = await client.verify.v2.services.create({ friendlyName: 'Souq' });
      const address = uniqueEmail();
      const created = await client.verify.v2
        .services(service.sid)
        .verifications.create({ to: address, channel: 'email', locale: 'en' });
      expect(created).toMatchObject({ channel: 'email', to: address, status: 'pending' });
      await h.app.dispatcher.drain();
      expect(mailTo(address)?.raw).toMatch(/^Subject: Your Souq verification code$/m);
      const code = codeIn(mailTo(address)?.text);
      const checked = await client.verify.v2
        .services(service.sid)
        .verificationChecks.create({ to: address, code });
      expect(checked).toMatchObject({ status: 'approved', valid: true });
    });

    it('refuses an email channel whose destination is no address', async () => {
      const refused = await start({ to: '+971501234567', channel: 'email' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ error: { code: 'invalid_email' } });
    });

    it('counts an address’s codes on their own: MAX_SENDS_EMAIL of them in the window, then 429', async () => {
      const address = uniqueEmail();
      for (const _ of [1, 2]) expect((await start({ to: address, channel: 'email' })).statusCode).toBe(201);
      const third = await start({ to: address, channel: 'email' });
      expect(third.statusCode).toBe(429);
      expect(third.json()).toMatchObject({ error: { code: 'too_many_sends' } });
      // A phone's texts are not counted against the address, nor the address's mails against the phone.
      expect((await start({ to: uniquePhone() })).statusCode).toBe(201);
    });

    it('mails a new code when the text of a workflow sms -> email is not approved in time', async () => {
      const phone = uniquePhone();
      const address = uniqueEmail();
      const started = await start({
        to: phone,
        workflow: [
          { channel: 'sms', timeoutSeconds: 30 },
          { channel: 'email', to: address },
        ],
      });
      expect(started.statusCode, started.body).toBe(201);
      const verification = started.json<WireVerification>();
      expect(verification).toMatchObject({ channel: 'sms', step: 0, to: phone });
      await h.app.dispatcher.drain();
      const smsCode = codeIn(smsTo(phone));
      expect(mailTo(address)).toBeUndefined();

      h.clock.advance(31_000);
      expect(await h.app.domain.verifications.advanceWorkflows()).toBe(1);
      await h.app.dispatcher.drain();
      const mailed = codeIn(mailTo(address)?.text);
      expect(mailed).toMatch(/^\d{6}$/);

      if (smsCode !== mailed) expect((await check(verification.id, smsCode)).valid).toBe(false);
      expect(await check(verification.id, mailed)).toMatchObject({
        valid: true,
        verification: { status: 'approved', channel: 'email', to: address, step: 1 },
      });
    });
  });
}

describe('an SMTP provider with the wrong password', () => {
  it('is told apart as its configuration (535), not the message', async () => {
    const smtp = await startSmtpReceiver({ user: 'mailer', password: 'right' });
    const provider = createSmtpProvider(
      parseSmtpUrl(`smtp://mailer:wrong@127.0.0.1:${smtp.port}?from=codes@example.com`),
    );
    try {
      await expect(
        provider.send({ id: 'm1', to: 'a@example.com', text: 'code 123456', kind: 'otp', channel: 'email' }),
      ).rejects.toMatchObject({ code: 'invalid_config', providerCode: '535' });
      expect(smtp.mails).toEqual([]);
    } finally {
      await provider.close();
      await smtp.close();
    }
  });
});
