/**
 * The Vonage Verify v2 face, driven by Vonage's own SDK (`@vonage/verify2`) pointed at the app on a loopback
 * port with its `apiHost` option, authenticating with Basic (api_key = client code, api_secret = key).
 */
import { generateKeyPairSync } from 'node:crypto';
import { Auth } from '@vonage/auth';
import { AuthenticationType } from '@vonage/server-client';
import { Channels, Verify2 } from '@vonage/verify2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractBackends } from '../support/database.js';
import {
  AUTH,
  CLIENT_KEY,
  codeIn,
  startHarness,
  uniqueEmail,
  uniquePhone,
  type Harness,
} from '../support/harness.js';

/**
 * Verify2 signs with an application JWT by default; Vonage's Verify v2 also takes the account's Basic
 * credentials, chosen through the client's (protected) authType, as the SDK's own clients choose theirs.
 */
class BasicVerify2 extends Verify2 {
  protected override authType = AuthenticationType.BASIC;
}

interface Problem {
  status: number;
  body: { type: string; title: string; detail: string; instance: string; [field: string]: unknown };
  contentType: string | null;
}

/** The SDK's VetchError of a refused call: its status and problem details. */
async function problem(call: Promise<unknown>): Promise<Problem> {
  try {
    await call;
  } catch (error) {
    const { response } = error as { response?: Response };
    if (response === undefined) throw error;
    return {
      status: response.status,
      body: await response.json(),
      contentType: response.headers.get('content-type'),
    };
  }
  throw new Error('the call was not refused');
}

const OTHER_KEY = 'other-tenant-key-0123456789abcdef';
/** An RSA key for the SDK to sign its application JWT with (made per run: none is stored in the tree). */
const TEST_PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const sms = (to: string, extra: Record<string, unknown> = {}) =>
  ({ channel: Channels.SMS, to, ...extra }) as const;
/** Vonage writes numbers without their +. */
const bare = (phone: string) => phone.slice(1);

for (const { backend, skip } of contractBackends) {
  describe.skipIf(skip !== false)(
    `Vonage Verify v2 face on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let h: Harness;
      let apiHost: string;
      let client: Verify2;
      let other: Verify2;

      const sdk = (apiKey: string, apiSecret: string) =>
        new BasicVerify2(new Auth({ apiKey, apiSecret }), { apiHost });

      beforeAll(async () => {
        h = await startHarness(backend);
        apiHost = await h.listen();
        client = sdk('test', CLIENT_KEY);
        await h.app.clients.upsert('other', OTHER_KEY, 'other');
        other = sdk('other', OTHER_KEY);
      });
      afterAll(async () => h?.close());

      const wrongFor = (code: string) => (code.startsWith('0') ? '1' : '0') + code.slice(1);

      it('starts with 202 and a request_id, texts the brand, refuses a wrong code (400 invalid-code), completes on the right one', async () => {
        const phone = uniquePhone();
        const started = await client.newRequest({
          brand: 'Souq',
          workflow: [sms(bare(phone))],
          locale: 'en-us',
        });
        expect(started.requestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(started.checkUrl).toBe(`${apiHost}/v2/verify/${started.requestId}`);
        const [text] = await h.textsTo(phone);
        expect(text).toMatch(/^\d{6} is your Souq verification code/);
        const code = codeIn(text);

        const wrong = await problem(client.checkCode(started.requestId, wrongFor(code)));
        expect(wrong).toMatchObject({
          status: 400,
          contentType: 'application/problem+json; charset=utf-8',
          body: {
            type: 'https://www.developer.vonage.com/api-errors/verify#invalid-code',
            title: 'Invalid Code',
          },
        });
        expect(await client.checkCode(started.requestId, code)).toBe('completed');
        expect(await problem(client.checkCode(started.requestId, code))).toMatchObject({
          status: 404,
          body: { type: 'https://www.developer.vonage.com/api-errors#not-found' },
        });

        // The same verification, read through the native API.
        const native = await h.app.http.inject({
          method: 'GET',
          url: `/v1/verifications/${started.requestId}`,
          headers: AUTH,
        });
        expect(native.json()).toMatchObject({
          id: started.requestId,
          to: phone,
          status: 'approved',
          checks: 2,
        });
      });

      it('refuses a concurrent verification to the same number with 409, naming the pending one', async () => {
        const phone = uniquePhone();
        const first = await client.newRequest({ brand: 'Souq', workflow: [sms(bare(phone))] });
        const second = await problem(client.newRequest({ brand: 'Souq', workflow: [sms(phone)] }));
        expect(second).toMatchObject({
          status: 409,
          body: {
            type: 'https://www.developer.vonage.com/api-errors/verify#conflict',
            title: 'Conflict',
            request_id: first.requestId,
          },
        });
      });

      it("sends the workflow's next SMS step on next_workflow, 409 once there is none", async () => {
        const phone = uniquePhone();
        const { requestId } = await client.newRequest({
          brand: 'Souq',
          workflow: [sms(bare(phone)), sms(bare(phone))],
        });
        expect(await h.textsTo(phone)).toHaveLength(1);
        expect(await client.nextWorkflow(requestId)).toBe(true);
        const texts = await h.textsTo(phone);
        expect(texts).toHaveLength(2);
        // The SDK answers false to a refusal; the reply itself is a 409.
        expect(await client.nextWorkflow(requestId)).toBe(false);
        const none = await fetch(`${apiHost}/v2/verify/${requestId}/next_workflow`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`test:${CLIENT_KEY}`).toString('base64')}` },
        });
        expect(none.status).toBe(409);
        expect(await none.json()).toMatchObject({
          type: 'https://www.developer.vonage.com/api-errors/verify#conflict',
        });
        expect(await client.checkCode(requestId, codeIn(texts[1]))).toBe('completed');
      });

      it('falls back from a WhatsApp step to the SMS step once the WhatsApp message fails, and the SMS code completes', async () => {
        const phone = uniquePhone();
        // No WhatsApp provider here: its message fails at once (no_provider), as an undeliverable one would.
        const { requestId } = await client.newRequest({
          brand: 'Souq',
          workflow: [
            { channel: Channels.WHATSAPP, to: bare(phone) },
            { channel: Channels.SMS, to: bare(phone) },
          ],
        } as never);
        await h.app.dispatcher.drain();
        expect(await h.textsTo(phone)).toEqual([]);
        expect(await h.app.domain.verifications.advanceWorkflows()).toBe(1);
        const texts = await h.textsTo(phone);
        expect(texts).toHaveLength(1);
        expect(await client.checkCode(requestId, codeIn(texts[0]))).toBe('completed');
      });

      it('moves a mixed workflow to its next channel on next_workflow, 409 past the last', async () => {
        const phone = uniquePhone();
        const { requestId } = await client.newRequest({
          brand: 'Souq',
          workflow: [
            { channel: Channels.SMS, to: bare(phone) },
            { channel: Channels.EMAIL, to: uniqueEmail() },
          ],
        } as never);
        expect(await h.textsTo(phone)).toHaveLength(1);
        expect(await client.nextWorkflow(requestId)).toBe(true);
        const moved = await h.app.domain.verifications.get(requestId, 'test');
        expect(moved).toMatchObject({ channel: 'email', step: 1 });
        expect(await client.nextWorkflow(requestId)).toBe(false);
      });

      it('cancels (then the code is not found), and answers false to a second cancel', async () => {
        const phone = uniquePhone();
        const { requestId } = await client.newRequest({ brand: 'Souq', workflow: [sms(bare(phone))] });
        const code = codeIn((await h.textsTo(phone))[0]);
        expect(await client.cancel(requestId)).toBe(true);
        expect(await problem(client.checkCode(requestId, code))).toMatchObject({ status: 404 });
        expect(await client.cancel(requestId)).toBe(false);
        // A cancel frees the number for a new verification.
        expect((await client.newRequest({ brand: 'Souq', workflow: [sms(bare(phone))] })).requestId).not.toBe(
          requestId,
        );
      });

      it('ends the workflow after five wrong codes (410) and refuses sends past the window (429)', async () => {
        const phone = uniquePhone();
        const { requestId } = await client.newRequest({ brand: 'Souq', workflow: [sms(bare(phone))] });
        const code = codeIn((await h.textsTo(phone))[0]);
        const statuses = [];
        for (let i = 0; i < 5; i++)
          statuses.push((await problem(client.checkCode(requestId, wrongFor(code)))).status);
        expect(statuses).toEqual([400, 400, 400, 400, 410]);
        expect(await problem(client.checkCode(requestId, code))).toMatchObject({
          status: 410,
          body: { type: 'https://www.developer.vonage.com/api-errors/verify#expired' },
        });

        const busy = uniquePhone();
        const first = await client.newRequest({
          brand: 'Souq',
          workflow: [sms(bare(busy)), sms(bare(busy)), sms(bare(busy))],
        });
        await client.nextWorkflow(first.requestId);
        await client.nextWorkflow(first.requestId);
        await client.cancel(first.requestId);
        for (let i = 0; i < 2; i++) {
          const { requestId: next } = await client.newRequest({ brand: 'Souq', workflow: [sms(bare(busy))] });
          await client.cancel(next);
        }
        expect(
          await problem(client.newRequest({ brand: 'Souq', workflow: [sms(bare(busy))] })),
        ).toMatchObject({
          status: 429,
          body: { type: 'https://www.developer.vonage.com/api-errors#throttled' },
        });
      });

      it('refuses an invalid number, another channel, an email step to no address and a bad app hash with 422', async () => {
        const phone = uniquePhone();
        const cases: [unknown[], string][] = [
          [[sms('97150')], 'workflow[0].to'],
          [[{ channel: Channels.VOICE, to: bare(phone) }], 'workflow[0].channel'],
          [[sms(bare(phone)), { channel: Channels.EMAIL, to: 'not-an-address' }], 'workflow[1].to'],
          [[sms(bare(phone), { appHash: 'short' })], 'workflow[0].app_hash'],
        ];
        for (const [workflow, name] of cases) {
          const refused = await problem(client.newRequest({ brand: 'Souq', workflow: workflow as never }));
          expect(refused, name).toMatchObject({
            status: 422,
            body: {
              type: 'https://www.developer.vonage.com/api-errors#invalid-params',
              title: 'Invalid params',
            },
          });
          expect(refused.body.invalid_parameters).toContainEqual({ name, reason: expect.any(String) });
        }
        expect(await h.textsTo(phone)).toEqual([]);
      });

      it("answers another tenant's request and an id that is not one as 404", async () => {
        const phone = uniquePhone();
        const theirs = await other.newRequest({ brand: 'Theirs', workflow: [sms(bare(phone))] });
        expect(await problem(client.checkCode(theirs.requestId, '123456'))).toMatchObject({ status: 404 });
        expect(await client.cancel(theirs.requestId)).toBe(false);
        expect(await problem(client.checkCode('not-an-id', '123456'))).toMatchObject({ status: 404 });
      });

      it('refuses bad credentials with 401: a wrong secret, another client’s api_key, a bearer token', async () => {
        const expected = {
          status: 401,
          body: { type: 'https://www.developer.vonage.com/api-errors#unauthorized' },
        };
        const workflow = [sms(bare(uniquePhone()))];
        expect(
          await problem(sdk('test', 'wrong-secret-0123456789').newRequest({ brand: 'x', workflow })),
        ).toMatchObject(expected);
        expect(await problem(sdk('other', CLIENT_KEY).newRequest({ brand: 'x', workflow }))).toMatchObject(
          expected,
        );
        const bearer = await h.app.http.inject({
          method: 'POST',
          url: '/v2/verify',
          headers: AUTH,
          payload: {},
        });
        expect(bearer.statusCode).toBe(401);
        // Verify2's default, an application JWT, is answered with what to use instead.
        expect(bearer.json().detail).toMatch(/JWT application authentication is not offered yet: use Basic/);
        // The SDK as it comes (JWT), with an application of its own: refused the same way.
        const jwt = new Verify2(new Auth({ applicationId: 'app-id', privateKey: TEST_PRIVATE_KEY }), {
          apiHost,
        });
        expect(await problem(jwt.newRequest({ brand: 'x', workflow }))).toMatchObject({
          status: 401,
          body: { detail: expect.stringMatching(/use Basic/) },
        });
      });

      it('texts Arabic for locale ar and for a UAE number without a locale, in the code length asked, the app hash last', async () => {
        const [ar, auto] = [uniquePhone(), uniquePhone()];
        await client.newRequest({ brand: 'Souq', workflow: [sms(bare(ar))], locale: 'ar-ae', codeLength: 8 });
        await client.newRequest({ brand: 'Souq', workflow: [sms(bare(auto), { appHash: 'FA+9qCX9VSu' })] });
        const arabic = /[\u0600-\u06FF]/;
        const [arText] = await h.textsTo(ar);
        expect(arText).toMatch(arabic);
        expect(arText).toContain('Souq');
        expect(codeIn(arText, 8)).toHaveLength(8);
        const [autoText] = await h.textsTo(auto);
        expect(autoText).toMatch(arabic);
        expect(autoText?.split('\n').at(-1)).toBe('FA+9qCX9VSu');
      });

      it('failed no request on its side (no 5xx) and logged neither key nor Basic credentials', () => {
        expect(h.logs.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
        const everything = h.logs.join('\n');
        expect(everything).not.toContain(CLIENT_KEY);
        expect(everything).not.toContain(Buffer.from(`test:${CLIENT_KEY}`).toString('base64'));
      });
    },
  );
}
