import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countParts } from '../../src/sms/encoding.js';
import { documentedSample, expectDocumentedShape, shapeDifferences } from '../support/contract.js';
import { contractBackends } from '../support/database.js';
import { AUTH, CLIENT_KEY, startHarness, uniquePhone, type Harness } from '../support/harness.js';

/** Bitel's documented template, typed out here independently of the face. */
const template = (appName: string, code: string) => `به ${appName} خوش آمدید\n کد یکبار مصرف  شما: ${code}`;
const PRICES = { default: { '*': 0.05, IR: 0.012 } };

const requestSample = documentedSample('bitel', 'otp.request.json') as Record<string, string>;
const replySample = documentedSample('bitel', 'otp.response.json');

let counter = 0;
/** A fresh valid Iranian mobile number in national form (0912...), so tests do not share send limits. */
function uniqueIranianPhone(): string {
  counter += 1;
  return `0912${String((process.pid * 7 + counter * 7919) % 10_000_000).padStart(7, '0')}`;
}

for (const { backend, skip } of contractBackends) {
  describe.skipIf(skip !== false)(`Bitel SMS face on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    const replies: LightMyRequestResponse[] = [];
    beforeAll(async () => {
      h = await startHarness(backend, {
        SMS_PRICES: JSON.stringify(PRICES),
        BITEL_GATEWAY_NUMBER: '10009909',
      });
    });
    afterAll(async () => h?.close());

    const send = async (payload: unknown, headers: Record<string, string> = AUTH) => {
      const reply = await h.app.http.inject({
        method: 'POST',
        url: '/api/v2/sms/otp',
        headers,
        payload: payload as object,
      });
      replies.push(reply);
      return reply;
    };
    const status = async (id: string, headers: Record<string, string> = AUTH) => {
      const reply = await h.app.http.inject({ method: 'GET', url: `/api/v2/sms/${id}`, headers });
      replies.push(reply);
      return reply;
    };

    it('answers the documented request with every documented reply field, named and typed as documented', async () => {
      const phone = uniqueIranianPhone();
      const request = { ...requestSample, code: '1234', phoneNumber: phone, appName: 'Bitel' };
      expect(shapeDifferences(request, requestSample)).toEqual([]);

      const reply = await send(request);
      expect(reply.statusCode).toBe(200);
      expectDocumentedShape(reply.json(), replySample);
      const { result, error } = reply.json();
      expect(error).toBeNull();
      expect(result).toMatchObject({
        gatewayNumber: '10009909',
        phoneNumber: '0912*******',
        requestDate: Math.floor(h.clock.now().getTime() / 1000),
        status: 0,
        statusText: 'Waiting',
        partCount: 1,
      });
      expect(result.id).toMatch(/^[0-9a-f]{32}$/);
      expect(result.message).toBe(template('Bitel', '••••'));
    });

    it('texts the documented Persian template exactly, to the Iranian number, on the OTP lane', async () => {
      const phone = uniqueIranianPhone();
      const reply = await send({ PhoneNumber: phone, AppName: 'Bitel', Code: '1234Ma' });
      expect(reply.statusCode).toBe(200);
      await h.app.dispatcher.drain();
      const sms = h.outbox().filter((line) => line.to === `+98${phone.slice(1)}`);
      expect(sms.map((line) => line.text)).toEqual([template('Bitel', '1234Ma')]);
      const message = await h.app.http.inject({
        method: 'GET',
        url: `/v1/messages/${reply.json().result.id.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-')}`,
        headers: AUTH,
      });
      expect(message.json()).toMatchObject({ kind: 'otp', status: 'sent' });
    });

    it('takes international numbers as well, masked to their first four characters', async () => {
      const phone = uniquePhone();
      const reply = await send({ phoneNumber: phone, appName: 'Shop', code: '9876' });
      expect(reply.statusCode).toBe(200);
      expect(reply.json().result.phoneNumber).toBe(`${phone.slice(0, 4)}${'*'.repeat(phone.length - 4)}`);
    });

    it('counts the parts of a long Persian text and, once sent, prices each at the table price of the country', async () => {
      const short = await send({ phoneNumber: uniqueIranianPhone(), appName: 'Bitel', code: '1234' });
      expect(short.json().result).toMatchObject({ partCount: 1, price: 0 });

      const appName = 'فروشگاه اینترنتی بزرگ ایرانیان برای همه';
      const text = template(appName, '123456');
      expect(countParts(text)).toMatchObject({ encoding: 'ucs2', parts: 2 });
      const long = await send({ phoneNumber: uniqueIranianPhone(), appName, code: '123456' });
      expect(long.json().result).toMatchObject({ partCount: 2, price: 0 });
      const abroad = await send({ phoneNumber: uniquePhone(), appName, code: '123456' });
      expect(abroad.json().result).toMatchObject({ partCount: 2, price: 0 });

      await h.app.dispatcher.drain();
      const sent = async (reply: typeof long) => (await status(reply.json().result.id)).json().result;
      expect(await sent(short)).toMatchObject({ status: 1, partCount: 1, price: 0.012 });
      expect((await sent(long)).price).toBeCloseTo(2 * PRICES.default.IR, 6);
      expect((await sent(abroad)).price).toBeCloseTo(2 * PRICES.default['*'], 6);
    });

    it('prices a GSM text by its parts too, shown by the native message look-up', async () => {
      const phone = uniquePhone();
      const started = await h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: AUTH,
        // English, so GSM-7: a UAE number's default locale is Arabic.
        payload: { to: phone, locale: 'en' },
      });
      const messageId = started.json().sends[0].messageId as string;
      const message = await h.app.http.inject({
        method: 'GET',
        url: `/v1/messages/${messageId}`,
        headers: AUTH,
      });
      const { encoding, parts, price, currency } = message.json();
      expect(encoding).toBe('gsm7');
      expect(parts).toBeGreaterThanOrEqual(1);
      expect(price).toBeCloseTo(parts * PRICES.default['*'], 6);
      expect(currency).toBe('USD');
    });

    it('looks a message up by id: Waiting with price 0 while queued, Sent once dispatched, with its parts and price', async () => {
      const sent = await send({ phoneNumber: uniqueIranianPhone(), appName: 'Bitel', code: '4321' });
      const { id } = sent.json().result;
      const waiting = await status(id);
      expect(waiting.statusCode).toBe(200);
      expectDocumentedShape(waiting.json(), replySample);
      expect(waiting.json().result).toMatchObject({
        id,
        status: 0,
        statusText: 'Waiting',
        partCount: 1,
        price: 0,
      });

      await h.app.dispatcher.drain();
      const dispatched = await status(id.toUpperCase());
      expect(dispatched.json().result).toMatchObject({
        id,
        status: 1,
        statusText: 'Sent',
        partCount: 1,
        price: 0.012,
      });
      expect(dispatched.json().error).toBeNull();

      const unknown = await status('0'.repeat(32));
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toEqual({
        result: null,
        error: { code: 'NotFound', message: expect.any(String) },
      });
      expect((await status('not-an-id')).statusCode).toBe(400);
    });

    it('refuses missing or invalid fields with 400 InvalidRequest', async () => {
      const phone = uniqueIranianPhone();
      const invalid = [
        {},
        { phoneNumber: phone, appName: 'Bitel' },
        { phoneNumber: phone, code: '1234' },
        { appName: 'Bitel', code: '1234' },
        { phoneNumber: '12', appName: 'Bitel', code: '1234' },
        { phoneNumber: 'not a number', appName: 'Bitel', code: '1234' },
        { phoneNumber: phone, appName: 'Bitel', code: 1234 },
        { phoneNumber: phone, appName: '', code: '1234' },
        { phoneNumber: phone, appName: 'Bi\ntel', code: '1234' },
        { phoneNumber: phone, appName: 'Bitel', code: '12 34' },
        { phoneNumber: phone, appName: 'Bitel', code: '1234', sender: 'x' },
        { phoneNumber: phone, PhoneNumber: uniqueIranianPhone(), appName: 'Bitel', code: '1234' },
      ];
      for (const payload of invalid) {
        const reply = await send(payload);
        expect(reply.statusCode, JSON.stringify(payload)).toBe(400);
        expect(reply.json()).toEqual({
          result: null,
          error: { code: 'InvalidRequest', message: expect.any(String) },
        });
      }
      const badJson = await h.app.http.inject({
        method: 'POST',
        url: '/api/v2/sms/otp',
        headers: { ...AUTH, 'content-type': 'application/json' },
        payload: '{"phoneNumber": ',
      });
      replies.push(badJson);
      expect(badJson.statusCode).toBe(400);
      expect(badJson.json().error.code).toBe('InvalidRequest');
      expect(h.outbox().some((line) => line.to === `+98${phone.slice(1)}`)).toBe(false);
    });

    it('refuses a request without a valid client key with 401 Unauthorized', async () => {
      const payload = { phoneNumber: uniqueIranianPhone(), appName: 'Bitel', code: '1234' };
      const unauthenticated: Record<string, string>[] = [
        {},
        { authorization: 'Bearer wrong-key-0123456789abcdef' },
      ];
      for (const headers of unauthenticated) {
        const reply = await send(payload, headers);
        expect(reply.statusCode).toBe(401);
        expect(reply.json()).toEqual({
          result: null,
          error: { code: 'Unauthorized', message: expect.any(String) },
        });
      }
      expect((await status('0'.repeat(32), {})).statusCode).toBe(401);
    });

    it('refuses a sixth OTP to one number within ten minutes with 429 TooManyRequests', async () => {
      const phone = uniqueIranianPhone();
      const codes = ['1111', '2222', '3333', '4444', '5555', '6666'];
      const statuses = [];
      for (const code of codes)
        statuses.push((await send({ phoneNumber: phone, appName: 'Bitel', code })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = replies.at(-1);
      expect(limited?.json().error.code).toBe('TooManyRequests');
      expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('never puts the code or the key in a reply or a log line', async () => {
      const code = 'Zq81Xw';
      const sent = await send({ phoneNumber: uniqueIranianPhone(), appName: 'Bitel', code });
      await h.app.dispatcher.drain();
      await status(sent.json().result.id);
      const everything = [...replies.map((reply) => reply.body), ...h.logs].join('\n');
      expect(everything).not.toContain(code);
      expect(everything).not.toContain(CLIENT_KEY);
    });

    it('answered none of the requests above with a 5xx', () => {
      expect(replies.length).toBeGreaterThan(20);
      expect(replies.filter((reply) => reply.statusCode >= 500).map((reply) => reply.body)).toEqual([]);
    });
  });

  describe.skipIf(skip !== false)(`Bitel SMS face with authentication off on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend, { FACES_WITHOUT_AUTH: 'bitel' });
    });
    afterAll(async () => h?.close());

    it('sends and looks up without a client key, unpriced when no price table is set', async () => {
      const sent = await h.app.http.inject({
        method: 'POST',
        url: '/api/v2/sms/otp',
        payload: { phoneNumber: uniqueIranianPhone(), appName: 'Bitel', code: '1234' },
      });
      expect(sent.statusCode).toBe(200);
      expect(sent.json().result.price).toBe(0);
      const looked = await h.app.http.inject({ method: 'GET', url: `/api/v2/sms/${sent.json().result.id}` });
      expect(looked.statusCode).toBe(200);
    });
  });
}
