import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import {
  AUTH,
  CLIENT_KEY,
  startHarness,
  uniqueEmail,
  uniquePhone,
  type Harness,
} from '../support/harness.js';

const { backend } = backends[0]!;

describe('secrets', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, { LOG_LEVEL: 'trace' });
  });
  afterAll(async () => h?.close());

  it('never puts a password, a code or a key in any reply or log line', async () => {
    const password = 'Unique-Password-7f3a9c';
    const phone = uniquePhone();
    const replies: string[] = [];
    const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
      const reply = await h.app.http.inject({ method, url, headers: AUTH, ...(payload ? { payload } : {}) });
      replies.push(reply.payload);
      return reply;
    };
    const created = await call('POST', '/v1/customers', {
      nameEn: 'Huda',
      email: uniqueEmail(),
      phone,
      password,
    });
    const { customer, verification } = created.json();
    const code = await h.lastCode(phone);
    await call('POST', `/v1/verifications/${verification.id}/check`, {
      code: code === '000000' ? '111111' : '000000',
    });
    await call('POST', `/v1/verifications/${verification.id}/check`, { code });
    await call('GET', `/v1/verifications/${verification.id}`);
    await call('GET', `/v1/messages/${verification.sends[0].messageId}`);
    const newPhone = uniquePhone();
    await call('POST', `/v1/customers/${customer.id}/phone-change`, {
      password: 'wrong-password-1',
      newPhone,
    });
    await call('POST', `/v1/customers/${customer.id}/phone-change`, { password, newPhone });
    const changeCode = await h.lastCode(newPhone);
    await call('POST', `/v1/customers/${customer.id}/phone-change/confirm`, { code: changeCode });
    await call('POST', '/v1/customers', { nameEn: 'Bad', email: 'x', phone: 'y', password });

    expect(h.logs.length).toBeGreaterThan(10);
    for (const text of [...replies, ...h.logs]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(CLIENT_KEY);
      expect(text).not.toMatch(new RegExp(`\\b${code}\\b`));
      expect(text).not.toMatch(new RegExp(`\\b${changeCode}\\b`));
    }
  });
});
