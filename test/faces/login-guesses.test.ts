import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CBSS_PATHS, cbssClient } from '../support/cbss-client.js';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniqueEmail, uniquePhone, type Harness } from '../support/harness.js';

const { backend } = backends[0]!;

describe('password guesses at login', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, { RATE_LIMIT_PHONE_PER_MINUTE: '3' });
  });
  afterAll(async () => h?.close());

  it('are limited per identity, known or not, and the right password waits its turn too', async () => {
    const email = uniqueEmail();
    await h.app.http.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: AUTH,
      payload: { nameEn: 'Nadia', email, phone: uniquePhone(), password: 'the right password' },
    });
    const cbss = cbssClient(h);
    const attempt = (identity: string, password: string) =>
      cbss.call(CBSS_PATHS.login, { Identity: identity, Password: password });

    for (const identity of [email, 'nobody@example.com']) {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await attempt(identity, `guess ${i}`)).statusCode);
      expect(statuses).toEqual([403, 403, 403, 429]);
    }
    const right = await attempt(email, 'the right password');
    expect(right.statusCode).toBe(429);
    expect(right.json().IsSuccessful).toBe(false);
  });
});
