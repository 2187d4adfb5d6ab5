/**
 * The Twilio Verify v2 face, driven by Twilio's own Node SDK (`twilio`) pointed at the app on a loopback port
 * with `client.verify.baseUrl`: only the base URL and the credentials change.
 */
import { sql } from 'kysely';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractBackends } from '../support/database.js';
import { AUTH, CLIENT_KEY, codeIn, startHarness, uniquePhone, type Harness } from '../support/harness.js';

type TwilioClient = ReturnType<typeof twilio>;

interface Refusal {
  status: number;
  code: number;
  moreInfo: string;
  message: string;
}

/** The SDK's RestException of a refused call, as its user would read it. */
async function refusal(call: Promise<unknown>): Promise<Refusal> {
  try {
    await call;
  } catch (error) {
    const { status, code, moreInfo, message } = error as Refusal;
    return { status, code, moreInfo, message };
  }
  throw new Error('the call was not refused');
}

const OTHER_KEY = 'other-tenant-key-0123456789abcdef';

for (const { backend, skip } of contractBackends) {
  describe.skipIf(skip !== false)(
    `Twilio Verify v2 face on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let h: Harness;
      let origin: string;
      let accountSid: string;
      let client: TwilioClient;
      /** A client of another tenant, with its own Account SID. */
      let other: TwilioClient;

      const sdk = (sid: string, key: string) => {
        const made = twilio(sid, key);
        // The supported way to reach another host: the domain's base URL.
        made.verify.baseUrl = origin;
        return made;
      };

      beforeAll(async () => {
        h = await startHarness(backend, { TEST_NUMBERS: '+15005550006:424242' });
        origin = await h.listen();
        const me = await h.app.http.inject({ method: 'GET', url: '/v1/clients/me', headers: AUTH });
        accountSid = me.json().accountSid;
        client = sdk(accountSid, CLIENT_KEY);
        const otherClient = await h.app.clients.upsert('other', OTHER_KEY, 'other');
        other = sdk(`AC${otherClient.id.replace(/-/g, '')}`, OTHER_KEY);
      });
      afterAll(async () => h?.close());

      const newService = (friendlyName = 'Souq', options: Record<string, unknown> = {}) =>
        client.verify.v2.services.create({ friendlyName, ...options });

      it('answers GET /v1/clients/me with the code, id, tenant and the Account SID the SDK takes', async () => {
        const me = await h.app.http.inject({ method: 'GET', url: '/v1/clients/me', headers: AUTH });
        expect(me.statusCode).toBe(200);
        const { id } = me.json();
        expect(me.json()).toEqual({
          code: 'test',
          id,
          tenant: 'test',
          accountSid: `AC${id.replace(/-/g, '')}`,
        });
        expect(accountSid).toMatch(/^AC[0-9a-f]{32}$/);
        expect((await h.app.http.inject({ method: 'GET', url: '/v1/clients/me' })).statusCode).toBe(401);
      });

      it('creates, fetches, updates, pages through and deletes services', async () => {
        const created = await newService('Souq', { codeLength: 8 });
        expect(created.sid).toMatch(/^VA[0-9a-f]{32}$/);
        expect(created).toMatchObject({
          accountSid,
          friendlyName: 'Souq',
          codeLength: 8,
          customCodeEnabled: false,
        });
        expect(created.url).toBe(`${origin}/v2/Services/${created.sid}`);

        const fetched = await client.verify.v2.services(created.sid).fetch();
        expect(fetched.toJSON()).toEqual(created.toJSON());
        const updated = await client.verify.v2.services(created.sid).update({ friendlyName: 'Souq Market' });
        expect(updated).toMatchObject({ sid: created.sid, friendlyName: 'Souq Market', codeLength: 8 });

        await newService('Second');
        await newService('Third');
        const firstPage = await client.verify.v2.services.page({ pageSize: 2 });
        expect(firstPage.instances).toHaveLength(2);
        expect(firstPage.nextPageUrl).toMatch(/PageToken=PA[0-9a-f]{32}/);
        const all = await client.verify.v2.services.list({ pageSize: 2 });
        expect(all.map((service) => service.friendlyName).sort()).toEqual(['Second', 'Souq Market', 'Third']);
        // Another tenant's list is its own.
        expect(await other.verify.v2.services.list()).toEqual([]);

        expect(await client.verify.v2.services(created.sid).remove()).toBe(true);
        expect(await refusal(client.verify.v2.services(created.sid).fetch())).toMatchObject({
          status: 404,
          code: 20404,
          moreInfo: 'https://www.twilio.com/docs/errors/20404',
        });
      });

      it("texts a code in the service's name and length; a wrong code stays pending, the right one approves; then 20404", async () => {
        const service = await newService('Souq', { codeLength: 8 });
        const verifications = client.verify.v2.services(service.sid).verifications;
        const phone = uniquePhone();
        const started = await verifications.create({ to: phone, channel: 'sms', locale: 'en' });
        expect(started.sid).toMatch(/^VE[0-9a-f]{32}$/);
        expect(started).toMatchObject({
          serviceSid: service.sid,
          accountSid,
          to: phone,
          channel: 'sms',
          status: 'pending',
          valid: false,
        });
        expect(started.sendCodeAttempts).toHaveLength(1);
        expect(started.dateCreated).toBeInstanceOf(Date);

        const [text] = await h.textsTo(phone);
        expect(text).toContain('Souq');
        const code = codeIn(text, 8);
        expect(code).toHaveLength(8);

        const checks = client.verify.v2.services(service.sid).verificationChecks;
        const wrong = await checks.create({ to: phone, code: code === '12345678' ? '87654321' : '12345678' });
        expect(wrong).toMatchObject({ sid: started.sid, status: 'pending', valid: false });
        const right = await checks.create({ verificationSid: started.sid, code });
        expect(right).toMatchObject({ sid: started.sid, status: 'approved', valid: true, to: phone });

        expect(await refusal(verifications(started.sid).fetch())).toMatchObject({ status: 404, code: 20404 });
        expect(await refusal(checks.create({ to: phone, code }))).toMatchObject({ status: 404, code: 20404 });

        // The same verification, read through the native API.
        const id = started.sid.slice(2).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
        const native = await h.app.http.inject({
          method: 'GET',
          url: `/v1/verifications/${id}`,
          headers: AUTH,
        });
        expect(native.json()).toMatchObject({
          id,
          to: phone,
          status: 'approved',
          checks: 2,
          serviceId: service.sid.slice(2).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'),
        });
      });

      it('resends on the same sid when the same To is started again within the TTL; only the newest code works', async () => {
        const service = await newService();
        const verifications = client.verify.v2.services(service.sid).verifications;
        const phone = uniquePhone();
        const first = await verifications.create({ to: phone, channel: 'sms' });
        // Sent before the second create: a text still queued then is retired (its code no longer works).
        expect(await h.textsTo(phone)).toHaveLength(1);
        h.clock.advance(30_000);
        const second = await verifications.create({ to: phone, channel: 'sms' });
        expect(second.sid).toBe(first.sid);
        expect(second.sendCodeAttempts).toHaveLength(2);
        const fetched = await verifications(first.sid).fetch();
        expect(fetched.sendCodeAttempts.map((attempt) => attempt.attempt_sid)).toEqual(
          second.sendCodeAttempts.map((attempt) => attempt.attempt_sid),
        );

        const texts = await h.textsTo(phone);
        expect(texts).toHaveLength(2);
        const [oldCode, newCode] = texts.map((text) => codeIn(text));
        const checks = client.verify.v2.services(service.sid).verificationChecks;
        if (oldCode !== newCode) {
          expect(await checks.create({ to: phone, code: oldCode })).toMatchObject({ valid: false });
        }
        expect(await checks.create({ to: phone, code: newCode })).toMatchObject({ status: 'approved' });
      });

      it("keeps each service's verifications apart: starting under one leaves another's pending", async () => {
        const [a, b] = [await newService('A'), await newService('B')];
        const phone = uniquePhone();
        const underA = await client.verify.v2
          .services(a.sid)
          .verifications.create({ to: phone, channel: 'sms' });
        const underB = await client.verify.v2
          .services(b.sid)
          .verifications.create({ to: phone, channel: 'sms' });
        expect(underB.sid).not.toBe(underA.sid);
        expect(await client.verify.v2.services(a.sid).verifications(underA.sid).fetch()).toMatchObject({
          status: 'pending',
        });
        // A sid of one service names nothing under another.
        expect(
          await refusal(client.verify.v2.services(b.sid).verifications(underA.sid).fetch()),
        ).toMatchObject({
          code: 20404,
        });
      });

      it('cancels and approves by sid or To (Status update), then answers 20404', async () => {
        const service = await newService();
        const verifications = client.verify.v2.services(service.sid).verifications;
        const phone = uniquePhone();
        const started = await verifications.create({ to: phone, channel: 'sms' });
        const canceled = await verifications(started.sid).update({ status: 'canceled' });
        expect(canceled).toMatchObject({ sid: started.sid, status: 'canceled', valid: false });
        expect(await refusal(verifications(started.sid).fetch())).toMatchObject({ status: 404, code: 20404 });
        expect(await refusal(verifications(started.sid).update({ status: 'canceled' }))).toMatchObject({
          code: 20404,
        });

        const again = await verifications.create({ to: phone, channel: 'sms' });
        expect(again.sid).not.toBe(started.sid);
        expect(await verifications(phone).fetch()).toMatchObject({ sid: again.sid, status: 'pending' });
        const approved = await verifications(phone).update({ status: 'approved' });
        expect(approved).toMatchObject({ sid: again.sid, status: 'approved', valid: true });
        expect(await refusal(verifications(again.sid).fetch())).toMatchObject({ code: 20404 });
      });

      it('refuses checks past the attempts with 60202 and sends past the window with 60203 (429)', async () => {
        const service = await newService();
        const verifications = client.verify.v2.services(service.sid).verifications;
        const checks = client.verify.v2.services(service.sid).verificationChecks;
        const phone = uniquePhone();
        const started = await verifications.create({ to: phone, channel: 'sms' });
        const code = codeIn((await h.textsTo(phone))[0]);
        const wrong = code === '000000' ? '111111' : '000000';
        const statuses = [];
        for (let i = 0; i < 5; i++) statuses.push((await checks.create({ to: phone, code: wrong })).status);
        expect(statuses).toEqual(['pending', 'pending', 'pending', 'pending', 'max_attempts_reached']);
        expect(await refusal(checks.create({ verificationSid: started.sid, code }))).toMatchObject({
          status: 429,
          code: 60202,
          moreInfo: 'https://www.twilio.com/docs/errors/60202',
        });

        const busy = uniquePhone();
        for (let i = 0; i < 5; i++) await verifications.create({ to: busy, channel: 'sms' });
        expect(await refusal(verifications.create({ to: busy, channel: 'sms' }))).toMatchObject({
          status: 429,
          code: 60203,
        });
      });

      it('refuses an invalid number, another channel, an unwanted custom code and a bad app hash with 60200; a check naming nothing with 60221', async () => {
        const service = await newService();
        const verifications = client.verify.v2.services(service.sid).verifications;
        for (const params of [
          { to: '+97150', channel: 'sms' },
          { to: 'not a number', channel: 'sms' },
          { to: uniquePhone(), channel: 'call' },
          { to: uniquePhone(), channel: 'sms', customCode: '123456' },
          { to: uniquePhone(), channel: 'sms', appHash: 'short' },
        ]) {
          const refused = await refusal(verifications.create(params));
          expect(refused, JSON.stringify(params)).toMatchObject({ status: 400, code: 60200 });
          expect(refused.message).toMatch(/^Invalid parameter/);
        }
        expect(
          await refusal(client.verify.v2.services(service.sid).verificationChecks.create({ code: '123456' })),
        ).toMatchObject({ status: 400, code: 60221 });
        expect(
          await refusal(client.verify.v2.services.create({ friendlyName: 'x'.repeat(31) })),
        ).toMatchObject({
          code: 60200,
        });
      });

      it('refuses a number outside the countries the client may text with 60605 (403), and texts nothing', async () => {
        await sql`UPDATE api_clients SET sms_countries = 'AE' WHERE code = 'other'`.execute(
          h.app.database.db,
        );
        h.app.clients.forget();
        const service = await other.verify.v2.services.create({ friendlyName: 'Gulf only' });
        const british = '+447400765432';
        expect(
          await refusal(
            other.verify.v2.services(service.sid).verifications.create({ to: british, channel: 'sms' }),
          ),
        ).toMatchObject({ status: 403, code: 60605, moreInfo: 'https://www.twilio.com/docs/errors/60605' });
        expect(await h.textsTo(british)).toEqual([]);
        const emirati = uniquePhone();
        const allowed = await other.verify.v2
          .services(service.sid)
          .verifications.create({ to: emirati, channel: 'sms' });
        expect(allowed.status).toBe('pending');
      });

      it('takes a code the client chose where the service enables it', async () => {
        const service = await newService('Chosen', { customCodeEnabled: true });
        const phone = uniquePhone();
        await client.verify.v2.services(service.sid).verifications.create({
          to: phone,
          channel: 'sms',
          customCode: '4321',
        });
        expect(codeIn((await h.textsTo(phone))[0], 4)).toBe('4321');
        const checked = await client.verify.v2
          .services(service.sid)
          .verificationChecks.create({ to: phone, code: '4321' });
        expect(checked).toMatchObject({ status: 'approved', valid: true });
      });

      it("answers an unknown service, and another tenant's service and verification, as 20404", async () => {
        expect(await refusal(client.verify.v2.services(`VA${'0'.repeat(32)}`).fetch())).toMatchObject({
          status: 404,
          code: 20404,
        });
        expect(
          await refusal(
            client.verify.v2
              .services('VAnot-a-sid')
              .verifications.create({ to: uniquePhone(), channel: 'sms' }),
          ),
        ).toMatchObject({ code: 20404 });
        const theirs = await other.verify.v2.services.create({ friendlyName: 'Theirs' });
        const phone = uniquePhone();
        const theirVerification = await other.verify.v2
          .services(theirs.sid)
          .verifications.create({ to: phone, channel: 'sms' });
        expect(await refusal(client.verify.v2.services(theirs.sid).fetch())).toMatchObject({ code: 20404 });
        expect(
          await refusal(client.verify.v2.services(theirs.sid).verifications(theirVerification.sid).fetch()),
        ).toMatchObject({ code: 20404 });
        const native = await h.app.http.inject({
          method: 'GET',
          url: `/v1/verifications/${theirVerification.sid.slice(2).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-')}`,
          headers: AUTH,
        });
        expect(native.statusCode).toBe(404);
      });

      it('refuses bad credentials with 20003 (401): a wrong key, another client’s SID, no Basic auth', async () => {
        const wrongKey = sdk(accountSid, 'wrong-key-0123456789abcdef');
        const expected = { status: 401, code: 20003, moreInfo: 'https://www.twilio.com/docs/errors/20003' };
        expect(await refusal(wrongKey.verify.v2.services.list())).toMatchObject(expected);
        expect(await refusal(sdk(`AC${'0'.repeat(32)}`, CLIENT_KEY).verify.v2.services.list())).toMatchObject(
          expected,
        );
        const bearer = await h.app.http.inject({ method: 'GET', url: '/v2/Services', headers: AUTH });
        expect(bearer.statusCode).toBe(401);
        expect(bearer.json()).toEqual({
          code: 20003,
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        });
      });

      it('texts Arabic for Locale=ar and for a UAE number without a locale, English for Locale=en, the app hash last', async () => {
        const service = await newService('Souq');
        const verifications = client.verify.v2.services(service.sid).verifications;
        const [ar, auto, en, us] = [uniquePhone(), uniquePhone(), uniquePhone(), '+12025550123'];
        await verifications.create({ to: ar, channel: 'sms', locale: 'ar' });
        await verifications.create({ to: auto, channel: 'sms', appHash: 'FA+9qCX9VSu' });
        await verifications.create({ to: en, channel: 'sms', locale: 'en' });
        await verifications.create({ to: us, channel: 'sms', customFriendlyName: 'Corner Shop' });
        const arabic = /[\u0600-\u06FF]/;
        const [arText] = await h.textsTo(ar);
        expect(arText).toMatch(arabic);
        expect(arText).toContain('Souq');
        const [autoText] = await h.textsTo(auto);
        expect(autoText).toMatch(arabic);
        expect(autoText?.split('\n').at(-1)).toBe('FA+9qCX9VSu');
        const [enText] = await h.textsTo(en);
        expect(enText).not.toMatch(arabic);
        expect(enText).toContain('Souq');
        const [usText] = await h.textsTo(us);
        expect(usText).toMatch(/^\d{6} is your Corner Shop verification code/);
      });

      it('keeps both vendor faces out of the native API’s document: the vendors’ own references describe them', async () => {
        const document = (await h.app.http.inject({ method: 'GET', url: '/openapi.json' })).json();
        expect(Object.keys(document.paths).filter((path) => path.startsWith('/v2/'))).toEqual([]);
        expect(Object.keys(document.paths)).toContain('/v1/clients/me');
      });

      it('failed no request on its side (no 5xx) and logged neither key nor Basic credentials', () => {
        const errors = h.logs.filter((line) => JSON.parse(line).level >= 50);
        expect(errors).toEqual([]);
        const basic = Buffer.from(`${accountSid}:${CLIENT_KEY}`).toString('base64');
        const everything = h.logs.join('\n');
        expect(everything).not.toContain(CLIENT_KEY);
        expect(everything).not.toContain(basic);
      });
    },
  );
}
