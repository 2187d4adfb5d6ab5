import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CBSS_PATHS, cbssClient } from '../support/cbss-client.js';
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

  it('count every spelling of one number against the same budget', async () => {
    const phone = uniquePhone();
    const spelled = [
      phone,
      `${phone.slice(0, 4)} ${phone.slice(4, 6)} ${phone.slice(6)}`,
      `${phone.slice(0, 4)}-${phone.slice(4)}`,
    ];
    const cbss = cbssClient(h);
    const statuses = [];
    // Each guess a new password: the same signed body twice would be refused as a replay.
    for (const [n, identity] of [...spelled, phone].entries()) {
      const reply = await cbss.call(CBSS_PATHS.login, { Identity: identity, Password: `guess ${n}` });
      statuses.push(reply.statusCode);
    }
    expect(statuses).toEqual([403, 403, 403, 429]);
  });
});

describe('account protection', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
  });
  afterAll(async () => h?.close());

  const register = async (password: string) => {
    const email = uniqueEmail();
    const reply = await h.app.http.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: AUTH,
      payload: { nameEn: 'Rami Aziz', email, phone: uniquePhone(), password },
    });
    return { id: reply.json().customer.id as string, email };
  };

  it('lets only the client that registered a customer move its number without the password', async () => {
    const { id } = await register('owner password 1');
    const strangerKey = 'stranger-client-key-0123456789abcdef';
    await h.app.clients.upsert('stranger', strangerKey, 'test');
    const headers = (key: string, application: string) => ({
      authorization: `Bearer ${key}`,
      application,
      'x-request-id': randomUUID(),
      'api-version': '5.0.0',
    });
    const url = `/api/customers/${id}/request-phone-number-update`;
    const stolen = await h.app.http.inject({
      method: 'POST',
      url,
      headers: headers(strangerKey, 'stranger'),
      payload: { phone_number: uniquePhone() },
    });
    expect(stolen.statusCode).toBe(403);
    const owned = await h.app.http.inject({
      method: 'POST',
      url,
      headers: headers(CLIENT_KEY, 'test'),
      payload: { phone_number: uniquePhone() },
    });
    expect(owned.statusCode).toBe(200);
  });

  it('answers an inactive customer like a wrong password', async () => {
    const password = 'inactive password 1';
    const { id, email } = await register(password);
    await h.app.http.inject({
      method: 'PATCH',
      url: `/v1/customers/${id}`,
      headers: AUTH,
      payload: { active: false },
    });
    const login = await cbssClient(h).call(CBSS_PATHS.login, { Identity: email, Password: password });
    expect(login.statusCode).toBe(403);
    const change = await h.app.http.inject({
      method: 'POST',
      url: `/v1/customers/${id}/phone-change`,
      headers: AUTH,
      payload: { password, newPhone: uniquePhone() },
    });
    expect(change.statusCode).toBe(403);
    expect(change.json().error.code).toBe('wrong_password');
  });
});
