/**
 * The operator console's API: off without ADMIN_KEY; a session cookie only for the right key; nothing
 * without it; changes only from the console itself; lists that page on the server with numbers masked;
 * a verification's whole story in its detail; the overview's figures for traffic the test made.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { AUTH, CLIENT_KEY, startHarness, uniquePhone, type Harness } from '../support/harness.js';

export const ADMIN_KEY = 'admin-key-for-tests-0123456789';
const CONSOLE = { 'x-otpgate-console': '1' };

const cookieOf = (reply: LightMyRequestResponse) => {
  const header = reply.headers['set-cookie'];
  return (Array.isArray(header) ? header : [header ?? ''])[0] ?? '';
};

describe('without ADMIN_KEY', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backends[0]!.backend);
  });
  afterAll(async () => h?.close());

  it('serves neither the console nor its API', async () => {
    expect((await h.app.http.inject({ url: '/admin' })).statusCode).toBe(404);
    const signIn = await h.app.http.inject({
      method: 'POST',
      url: '/admin/api/session',
      headers: CONSOLE,
      payload: { key: ADMIN_KEY },
    });
    expect(signIn.statusCode).toBe(404);
  });
});

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`the console's API on ${backend.name}`, () => {
    let h: Harness;
    let cookie: string;
    const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers = {}) =>
      h.app.http.inject({
        method,
        url: `/admin/api${url}`,
        headers: { cookie, ...CONSOLE, ...headers },
        ...(payload === undefined ? {} : { payload }),
      });

    beforeAll(async () => {
      h = await startHarness(backend, {
        ADMIN_KEY,
        RATE_LIMIT_ADMIN_SIGN_IN_PER_MINUTE: '5',
        TRUST_PROXY: 'true',
      });
      const signIn = await h.app.http.inject({
        method: 'POST',
        url: '/admin/api/session',
        headers: CONSOLE,
        payload: { key: ADMIN_KEY },
      });
      expect(signIn.statusCode).toBe(204);
      cookie = cookieOf(signIn).split(';')[0]!;
    });
    afterAll(async () => h?.close());

    async function startVerification(to: string, approve: boolean) {
      const started = await h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: AUTH,
        payload: { to },
      });
      expect(started.statusCode).toBe(201);
      const { id } = started.json<{ id: string }>();
      if (approve) {
        await h.app.http.inject({
          method: 'POST',
          url: `/v1/verifications/${id}/check`,
          headers: AUTH,
          payload: { code: '000000' },
        });
        const code = await h.lastCode(to);
        const checked = await h.app.http.inject({
          method: 'POST',
          url: `/v1/verifications/${id}/check`,
          headers: AUTH,
          payload: { code },
        });
        expect(checked.json<{ valid: boolean }>().valid).toBe(code !== '000000');
      }
      return id;
    }

    it('gives the right key an HttpOnly, SameSite=Strict session cookie, Secure behind https', async () => {
      const reply = await h.app.http.inject({
        method: 'POST',
        url: '/admin/api/session',
        headers: CONSOLE,
        payload: { key: ADMIN_KEY },
      });
      const set = cookieOf(reply);
      expect(set).toMatch(/^otpgate_admin=[\w-]{40,};/);
      expect(set).toContain('HttpOnly');
      expect(set).toContain('SameSite=Strict');
      expect(set).toContain('Path=/admin');
      expect(set).not.toContain('Secure');
      const behindTls = await h.app.http.inject({
        method: 'POST',
        url: '/admin/api/session',
        headers: { ...CONSOLE, 'x-forwarded-proto': 'https' },
        payload: { key: ADMIN_KEY },
      });
      expect(cookieOf(behindTls)).toContain('Secure');
    });

    it('refuses a wrong key with admin_key_invalid, then limits the attempts per address', async () => {
      const attempt = () =>
        h.app.http.inject({
          method: 'POST',
          url: '/admin/api/session',
          headers: CONSOLE,
          remoteAddress: '203.0.113.9',
          payload: { key: 'not-the-admin-key-0123456789' },
        });
      const first = await attempt();
      expect(first.statusCode).toBe(401);
      expect(first.json().error.code).toBe('admin_key_invalid');
      expect(first.headers['set-cookie']).toBeUndefined();
      const codes: number[] = [];
      for (let i = 0; i < 5; i += 1) codes.push((await attempt()).statusCode);
      expect(codes.at(-1)).toBe(429);
    });

    it('answers 401 to every console call without a live session, and after sign-out', async () => {
      const bare = await h.app.http.inject({ url: '/admin/api/overview' });
      expect(bare.statusCode).toBe(401);
      expect(bare.json().error.code).toBe('admin_session_required');
      const forged = await h.app.http.inject({
        url: '/admin/api/verifications',
        headers: { cookie: 'otpgate_admin=forged' },
      });
      expect(forged.statusCode).toBe(401);

      const own = await h.app.http.inject({
        method: 'POST',
        url: '/admin/api/session',
        headers: CONSOLE,
        payload: { key: ADMIN_KEY },
      });
      const ownCookie = cookieOf(own).split(';')[0]!;
      expect(
        (await h.app.http.inject({ url: '/admin/api/session', headers: { cookie: ownCookie } })).statusCode,
      ).toBe(200);
      const out = await h.app.http.inject({
        method: 'DELETE',
        url: '/admin/api/session',
        headers: { cookie: ownCookie, ...CONSOLE },
      });
      expect(out.statusCode).toBe(204);
      expect(
        (await h.app.http.inject({ url: '/admin/api/session', headers: { cookie: ownCookie } })).statusCode,
      ).toBe(401);
    });

    it('refuses a change without the console header or from another origin (CSRF)', async () => {
      const noHeader = await h.app.http.inject({
        method: 'POST',
        url: '/admin/api/clients',
        headers: { cookie },
        payload: { code: 'csrf-victim' },
      });
      expect(noHeader.statusCode).toBe(403);
      expect(noHeader.json().error.code).toBe('admin_origin_refused');
      const foreign = await api(
        'POST',
        '/clients',
        { code: 'csrf-victim' },
        { origin: 'https://evil.example' },
      );
      expect(foreign.statusCode).toBe(403);
      const same = await api('POST', '/clients', { code: 'csrf-fine' }, { origin: 'http://localhost:80' });
      expect(same.statusCode).toBe(201);
    });

    it('counts started, approved and the conversion rate, per country and prefix worst first', async () => {
      const before = (await api('GET', '/overview?period=24h')).json();
      for (const approve of [true, true, true, false]) await startVerification(uniquePhone(), approve);
      await startVerification('+447400123456', false);
      const reply = await api('GET', '/overview?period=24h');
      expect(reply.statusCode).toBe(200);
      const overview = reply.json();
      expect(overview.started - before.started).toBe(5);
      expect(overview.approved - before.approved).toBe(3);
      expect(overview.series).toHaveLength(24);
      expect(overview.countries[0]).toMatchObject({
        country: 'GB',
        started: 1,
        approved: 0,
        conversionRate: 0,
      });
      expect(overview.prefixes[0]).toMatchObject({ prefix: '+44740', country: 'GB' });
      expect(
        overview.countries.find((row: { country: string }) => row.country === 'AE').approved,
      ).toBeGreaterThanOrEqual(3);
    });

    it('lists verifications newest first with masked numbers, pages on the server, and finds one by phone', async () => {
      const phone = uniquePhone();
      const id = await startVerification(phone, true);
      const found = (await api('GET', `/verifications?phone=${encodeURIComponent(phone)}`)).json();
      expect(found.items).toHaveLength(1);
      expect(found.items[0]).toMatchObject({
        id,
        status: 'approved',
        clientCode: 'test',
        sends: 1,
        checks: 2,
      });
      expect(found.items[0].to).not.toBe(phone);
      expect(found.items[0].to).toContain('*');

      const first = (await api('GET', '/verifications?limit=2')).json();
      expect(first.items).toHaveLength(2);
      expect(first.next).toEqual(expect.any(String));
      const second = (await api('GET', `/verifications?limit=2&cursor=${first.next}`)).json();
      expect(second.items).toHaveLength(2);
      const ids = [...first.items, ...second.items].map((item: { id: string }) => item.id);
      expect(new Set(ids).size).toBe(4);
      expect((await api('GET', '/verifications?cursor=bm9wZQ')).json().error.code).toBe('invalid_cursor');
    });

    it("shows a verification's whole number, every send with its message and every check", async () => {
      const phone = uniquePhone();
      const id = await startVerification(phone, true);
      const detail = (await api('GET', `/verifications/${id}`)).json();
      expect(detail.to).toBe(phone);
      expect(detail.checkList.map((check: { result: string }) => check.result)).toEqual([
        'wrong_code',
        'approved',
      ]);
      expect(detail.messages).toHaveLength(1);
      const [message] = detail.messages;
      expect(message).toMatchObject({ to: phone, status: 'sent', provider: 'dev-outbox', parts: 1 });
      expect(message.preview).not.toMatch(/\d{6}/);
      expect(message.timeline.map((step: { status: string }) => step.status)).toEqual([
        'queued',
        'sending',
        'sent',
      ]);

      const listed = (await api('GET', `/messages?phone=${encodeURIComponent(phone)}`)).json();
      expect(listed.items[0].to).toContain('*');
      const one = (await api('GET', `/messages/${message.id}`)).json();
      expect(one.to).toContain('*');
    });

    it('creates a client whose key is shown once, and rotates it: the old key stops at once', async () => {
      const created = await api('POST', '/clients', { code: 'shop-rotate', tenant: 'shop-rotate' });
      expect(created.statusCode).toBe(201);
      const { key } = created.json();
      const asClient = (k: string) =>
        h.app.http.inject({
          url: '/v1/verifications/00000000-0000-4000-8000-000000000000',
          headers: { authorization: `Bearer ${k}` },
        });
      expect((await asClient(key)).statusCode).toBe(404);
      const rotated = (await api('POST', '/clients/shop-rotate/rotate')).json();
      expect(rotated.key).not.toBe(key);
      expect((await asClient(key)).statusCode).toBe(401);
      expect((await asClient(rotated.key)).statusCode).toBe(404);
      const listed = (await api('GET', '/clients?limit=100')).json();
      expect(JSON.stringify(listed)).not.toContain(rotated.key);
      const disabled = await api('PATCH', '/clients/shop-rotate', { active: false });
      expect(disabled.json().active).toBe(false);
      expect((await asClient(rotated.key)).statusCode).toBe(401);
      expect((await asClient(CLIENT_KEY)).statusCode).toBe(404);
    });

    it('disables and enables a customer', async () => {
      const phone = uniquePhone();
      const registered = await h.app.http.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: AUTH,
        payload: {
          nameEn: 'Huda Kareem',
          email: `huda-${Date.now()}@example.com`,
          phone,
          password: 'correct horse battery',
        },
      });
      const { id } = registered.json().customer;
      const found = (await api('GET', `/customers?text=huda`)).json();
      expect(found.items.map((c: { id: string }) => c.id)).toContain(id);
      expect(found.items[0].phone).toContain('*');
      expect((await api('PATCH', `/customers/${id}`, { active: false })).json().active).toBe(false);
      expect((await api('GET', `/customers/${id}`)).json().active).toBe(false);
      expect((await api('PATCH', `/customers/${id}`, { active: true })).json().active).toBe(true);
    });

    it('blocks a prefix on the guard itself: the next code there is refused, and the events tell who did it', async () => {
      const blocked = await api('POST', '/fraud/blocked-prefixes', {
        prefix: '+88170',
        reason: 'pumping to a premium range',
      });
      expect(blocked.statusCode).toBe(201);
      expect(blocked.json()).toMatchObject({ prefix: '+88170', source: 'operator', until: null });
      const listed = (await api('GET', '/fraud/blocked-prefixes')).json();
      expect(listed.items.map((row: { prefix: string }) => row.prefix)).toContain('+88170');

      const refused = await h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: AUTH,
        payload: { to: '+881701234567' },
      });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('prefix_blocked');

      const events = (await api('GET', '/events?type=prefix_blocked&phone=%2B88170')).json();
      expect(events.items[0]).toMatchObject({ type: 'prefix_blocked', subject: '+88170' });
      expect(events.items[0].summary).toContain('pumping to a premium range');

      expect((await api('DELETE', '/fraud/blocked-prefixes/88170')).statusCode).toBe(204);
      expect((await api('DELETE', '/fraud/blocked-prefixes/88170')).statusCode).toBe(404);
      const unblocked = (await api('GET', '/events?type=prefix_unblocked')).json();
      expect(unblocked.items[0]).toMatchObject({ subject: '+88170' });
    });

    it("sets the countries a client may text, and shows its tenant's codes today against the day's budget", async () => {
      const narrowed = await api('PATCH', '/clients/test', { countries: ['ae', 'SA'] });
      expect(narrowed.statusCode).toBe(200);
      expect(narrowed.json().countries).toEqual(['AE', 'SA']);
      const refused = await h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: AUTH,
        payload: { to: '+447400123999' },
      });
      expect(refused.json().error.code).toBe('country_not_permitted');
      expect((await api('PATCH', '/clients/test', { countries: ['XX'] })).statusCode).toBe(400);
      expect((await api('PATCH', '/clients/test', {})).statusCode).toBe(400);

      const listed = (await api('GET', '/clients')).json();
      const test = listed.items.find((client: { code: string }) => client.code === 'test');
      expect(test).toMatchObject({ countries: ['AE', 'SA'], defaultCountries: ['*'], sendsPerDay: 10000 });
      expect(test.sentToday).toBeGreaterThan(0);

      expect((await api('PATCH', '/clients/test', { countries: null })).json().countries).toBeNull();
      const allowed = await h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: AUTH,
        payload: { to: '+447400123999' },
      });
      expect(allowed.statusCode).toBe(201);
    });

    it('pages through the blocked prefixes with its cursor', async () => {
      for (const prefix of ['+88213', '+88214', '+88215']) {
        expect(
          (await api('POST', '/fraud/blocked-prefixes', { prefix, reason: 'premium range' })).statusCode,
        ).toBe(201);
      }
      const seen: string[] = [];
      let url = '/fraud/blocked-prefixes?limit=1';
      for (let pages = 0; pages < 10; pages += 1) {
        const page = await api('GET', url);
        expect(page.statusCode).toBe(200);
        const { items, next } = page.json();
        seen.push(...items.map((row: { prefix: string }) => row.prefix));
        if (next === null) break;
        url = `/fraud/blocked-prefixes?limit=1&cursor=${next}`;
      }
      expect(seen.filter((prefix) => prefix.startsWith('+8821')).sort()).toEqual([
        '+88213',
        '+88214',
        '+88215',
      ]);
      for (const digits of ['88213', '88214', '88215'])
        await api('DELETE', `/fraud/blocked-prefixes/${digits}`);
    });

    it('keeps a safe list the guard never blocks', async () => {
      const added = await api('POST', '/fraud/safe-list', { prefix: '+9715055', note: 'our office' });
      expect(added.statusCode).toBe(201);
      const listed = (await api('GET', '/fraud/safe-list')).json();
      expect(listed.items).toContainEqual(
        expect.objectContaining({ prefix: '+9715055', note: 'our office' }),
      );
      expect((await api('DELETE', '/fraud/safe-list/9715055')).statusCode).toBe(204);
      expect((await api('GET', '/fraud/safe-list')).json().items).toEqual([]);
    });
  });
}
