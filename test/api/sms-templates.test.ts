/** SMS_TEMPLATES: the operator's own texts replace the defaults, per purpose and locale. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniquePhone, type Harness } from '../support/harness.js';

const { backend } = backends[0]!;

describe('operator SMS templates', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, {
      APP_NAME: 'Souq',
      SMS_TEMPLATES: JSON.stringify({ otp: { login: { en: 'Souq login: {code}. Never share it.' } } }),
    });
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
});
