/**
 * SMS_TEMPLATES: the operator's own texts replace the defaults, per purpose and locale, and a tenant's own
 * replace the operator's; without a locale, a text is in the language of the number's country.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniquePhone, type Harness } from '../support/harness.js';

const { backend } = backends[0]!;
const ACME_KEY = 'acme-client-key-0123456789abcdef';

describe('operator SMS templates', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, {
      APP_NAME: 'Souq',
      SMS_TEMPLATES: JSON.stringify({
        otp: { login: { en: 'Souq login: {code}. Never share it.' } },
        notice: { phone_replaced: { en: 'Souq: your number was replaced.' } },
        tenants: { acme: { otp: { generic: { en: 'Acme code {code}' } } } },
      }),
      COUNTRY_LOCALES: 'EG=en',
    });
    await h.app.clients.upsert('acme-app', ACME_KEY, 'acme');
  });
  afterAll(async () => h?.close());

  it('texts the overridden template for its purpose and locale, and the default for the others', async () => {
    const phone = uniquePhone();
    const send = (purpose: string, locale: string) =>
      h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: AUTH,
        payload: { to: phone, purpose, locale },
      });
    expect((await send('login', 'en')).statusCode).toBe(201);
    const code = await h.lastCode(phone);
    expect(h.outbox().at(-1)?.text).toBe(`Souq login: ${code}. Never share it.`);
    expect((await send('login', 'ar')).statusCode).toBe(201);
    await h.app.dispatcher.drain();
    expect(h.outbox().at(-1)?.text).toContain('رمز الدخول إلى Souq');
  });

  const start = (payload: object, headers: Record<string, string> = AUTH) =>
    h.app.http.inject({ method: 'POST', url: '/v1/verifications', headers, payload });
  const lastText = async (to: string) => {
    await h.app.dispatcher.drain();
    return h
      .outbox()
      .filter((sms) => sms.to === to)
      .at(-1)?.text;
  };

  it("texts a tenant's own template to that tenant's clients only", async () => {
    const phone = uniquePhone();
    expect(
      (await start({ to: phone, locale: 'en' }, { authorization: `Bearer ${ACME_KEY}` })).statusCode,
    ).toBe(201);
    expect(await lastText(phone)).toMatch(/^Acme code \d{6}$/);
    expect((await start({ to: phone, locale: 'en' })).statusCode).toBe(201);
    expect(await lastText(phone)).toMatch(/^\d{6} is your Souq verification code/);
  });

  it("texts in the number's country's language when no locale is given: Arabic for the UAE, Persian for Iran, English elsewhere or where COUNTRY_LOCALES says so", async () => {
    const cases: [string, RegExp][] = [
      [uniquePhone(), /^رمز التحقق من Souq: \d{6}/],
      ['+989121234567', /^کد تأیید Souq: \d{6}/],
      ['+12025550142', /^\d{6} is your Souq verification code/],
      ['+201001234567', /^\d{6} is your Souq verification code/],
    ];
    for (const [to, text] of cases) {
      const started = await start({ to });
      expect(started.statusCode, to).toBe(201);
      expect(await lastText(to), to).toMatch(text);
    }
  });

  it('puts an app hash asked for by the native API as the last line', async () => {
    const phone = uniquePhone();
    expect((await start({ to: phone, locale: 'en', appHash: 'FA+9qCX9VSu' })).statusCode).toBe(201);
    expect((await lastText(phone))?.split('\n').at(-1)).toBe('FA+9qCX9VSu');
    expect((await start({ to: phone, appHash: 'not-a-hash' })).statusCode).toBe(400);
  });

  it('texts the overridden notice to the old number after a phone change', async () => {
    const phone = uniquePhone();
    const registered = await h.app.http.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: AUTH,
      payload: {
        nameEn: 'Layla',
        email: `layla-${phone.slice(-7)}@example.com`,
        phone,
        password: 'correct horse battery',
        locale: 'en',
      },
    });
    const customerId = registered.json().customer.id as string;
    const newPhone = uniquePhone();
    await h.app.http.inject({
      method: 'POST',
      url: `/v1/customers/${customerId}/phone-change`,
      headers: AUTH,
      payload: { password: 'correct horse battery', newPhone, locale: 'en' },
    });
    const code = await h.lastCode(newPhone);
    const confirmed = await h.app.http.inject({
      method: 'POST',
      url: `/v1/customers/${customerId}/phone-change/confirm`,
      headers: AUTH,
      payload: { code },
    });
    expect(confirmed.statusCode).toBe(200);
    expect(await lastText(phone)).toBe('Souq: your number was replaced.');
  });
});
