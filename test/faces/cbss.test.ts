import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CBSS_PATHS,
  cbssClient,
  cbssSignature,
  dotNetDateTime,
  type CbssClient,
} from '../support/cbss-client.js';
import { documentedSample, expectDocumentedShape, shapeDifferences } from '../support/contract.js';
import { contractBackends } from '../support/database.js';
import {
  AUTH,
  CLIENT_KEY,
  startHarness,
  uniqueEmail,
  uniquePhone,
  type Harness,
} from '../support/harness.js';

const PASSWORD = 'correct horse battery';
const MINUTE = 60_000;

const requestSample = documentedSample('cbss', 'change-mobile-phone-number-1.request.json') as {
  ClientCode: string;
  DateTime: string;
  Content: Record<string, unknown>;
};
const replySample = documentedSample('cbss', 'change-mobile-phone-number-1.response.json');

/** Every reply a test saw, to show that none was a 5xx. */
function recording(replies: LightMyRequestResponse[], client: CbssClient): CbssClient {
  const keep = async (reply: Promise<LightMyRequestResponse>) => {
    const answered = await reply;
    replies.push(answered);
    return answered;
  };
  return {
    sign: client.sign,
    send: (...args) => keep(client.send(...args)),
    call: (...args) => keep(client.call(...args)),
    login: client.login,
    changeMobilePhoneNumber: (...args) => keep(client.changeMobilePhoneNumber(...args)),
    confirmMobilePhoneNumber: (...args) => keep(client.confirmMobilePhoneNumber(...args)),
  };
}

async function registerCustomer(h: Harness, phone = uniquePhone(), email = uniqueEmail()) {
  const reply = await h.app.http.inject({
    method: 'POST',
    url: '/v1/customers',
    headers: AUTH,
    payload: { nameEn: 'Omar Khalil', email, phone, password: PASSWORD },
  });
  expect(reply.statusCode).toBe(201);
  return { id: reply.json().customer.id as string, phone, email };
}

async function readCustomer(h: Harness, id: string) {
  const reply = await h.app.http.inject({ method: 'GET', url: `/v1/customers/${id}`, headers: AUTH });
  return reply.json() as { phone: string; number: number; pendingPhoneChange: { phone: string } | null };
}

const firstMessage = (reply: LightMyRequestResponse) =>
  reply.json().Messages[0] as { Code: string; Text: string };

for (const { backend, skip } of contractBackends) {
  describe.skipIf(skip !== false)(`CBSS face on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    let cbss: CbssClient;
    const replies: LightMyRequestResponse[] = [];
    beforeAll(async () => {
      h = await startHarness(backend);
      cbss = recording(replies, cbssClient(h));
    });
    afterAll(async () => h?.close());

    it('answers the documented step-1 request with every documented reply field, named and typed as documented', async () => {
      const customer = await registerCustomer(h);
      const { loginSalt } = await cbss.login(customer.phone, PASSWORD);
      const content = { ...requestSample.Content, Password: PASSWORD, NewMobilePhoneNumber: uniquePhone() };
      expect(shapeDifferences({ ...requestSample, Content: content }, requestSample)).toEqual([]);

      const reply = await cbss.call(CBSS_PATHS.changeMobile, content, { loginSalt });
      expect(reply.statusCode).toBe(200);
      expectDocumentedShape(reply.json(), replySample);
      expect(reply.json()).toMatchObject({
        IsSuccessful: true,
        Messages: [],
        ClientCode: 'test',
        Content: null,
      });
      expect(Number.isNaN(Date.parse(reply.json().DateTime))).toBe(false);
    });

    it('changes a mobile number end to end: login, password and new number, the texted OTP; the native API reads it', async () => {
      const customer = await registerCustomer(h);
      const { loginSalt, customerId } = await cbss.login(customer.phone, PASSWORD);
      expect(Number.isInteger(customerId)).toBe(true);
      expect(loginSalt).toMatch(/^[0-9a-f]{32}$/);

      const newPhone = uniquePhone();
      const step1 = await cbss.changeMobilePhoneNumber(loginSalt, { password: PASSWORD, newPhone });
      expect(step1.statusCode).toBe(200);
      const otp = await h.lastCode(newPhone);

      const step2 = await cbss.confirmMobilePhoneNumber(loginSalt, otp);
      expect(step2.statusCode).toBe(200);
      expect(step2.json()).toMatchObject({ IsSuccessful: true, Messages: [], Content: null });

      const read = await readCustomer(h, customer.id);
      expect(read).toMatchObject({ phone: newPhone, phoneVerified: true, pendingPhoneChange: null });
      expect(read.number).toBe(customerId);
    });

    it('logs in by email and names the session by Identity, national new numbers in the current number’s country', async () => {
      const customer = await registerCustomer(h);
      const { loginSalt } = await cbss.login(customer.email, PASSWORD);
      const newPhone = uniquePhone();
      const national = `0${newPhone.slice(4)}`;
      const step1 = await cbss.call(
        CBSS_PATHS.changeMobile,
        { Identity: customer.email, Password: PASSWORD, NewMobilePhoneNumber: national },
        { loginSalt },
      );
      expect(step1.statusCode).toBe(200);
      const otp = await h.lastCode(newPhone);
      const step2 = await cbss.confirmMobilePhoneNumber(loginSalt, otp, customer.email);
      expect(step2.statusCode).toBe(200);
      const read = await readCustomer(h, customer.id);
      expect(read.phone).toBe(newPhone);
    });

    it('finds the right session among several live ones when Identity is null', async () => {
      const first = await registerCustomer(h);
      const second = await registerCustomer(h);
      const firstSession = await cbss.login(first.phone, PASSWORD);
      await cbss.login(second.phone, PASSWORD);
      const newPhone = uniquePhone();
      const step1 = await cbss.call(
        CBSS_PATHS.changeMobile,
        { Identity: null, Password: PASSWORD, NewMobilePhoneNumber: newPhone },
        { loginSalt: firstSession.loginSalt },
      );
      expect(step1.statusCode).toBe(200);
      const read = await readCustomer(h, first.id);
      expect(read.pendingPhoneChange?.phone).toBe(newPhone);
    });

    it('accepts text/json bodies and signatures in upper case', async () => {
      const customer = await registerCustomer(h);
      const signed = cbss.sign({ Identity: customer.phone, Password: PASSWORD });
      const upper = cbss.sign(
        { Identity: customer.phone, Password: PASSWORD },
        { signature: cbssSignature(signed.body, CLIENT_KEY).toUpperCase() },
      );
      const reply = await cbss.send(CBSS_PATHS.login, upper, 'text/json; charset=utf-8');
      expect(reply.statusCode).toBe(200);
      expect(reply.json().IsSuccessful).toBe(true);
    });

    it('refuses an absent, wrong, unsalted or foreign-key signature with 401 and IsSuccessful false', async () => {
      const customer = await registerCustomer(h);
      const { loginSalt } = await cbss.login(customer.phone, PASSWORD);
      const content = { Identity: null, Password: PASSWORD, NewMobilePhoneNumber: uniquePhone() };
      const attempts = [
        cbss.call(CBSS_PATHS.changeMobile, content, { signature: null }),
        cbss.call(CBSS_PATHS.changeMobile, content, { signature: 'ab'.repeat(32) }),
        cbss.call(CBSS_PATHS.changeMobile, content, { signature: 'not hex' }),
        cbss.call(CBSS_PATHS.changeMobile, content),
        cbssClient(h, { code: 'test', key: 'another-key-0123456789abcdef' }).call(
          CBSS_PATHS.changeMobile,
          content,
          {
            loginSalt,
          },
        ),
        cbss.call(CBSS_PATHS.changeMobile, content, { loginSalt, clientCode: 'nobody' }),
        cbss.call(CBSS_PATHS.login, { Identity: customer.phone, Password: PASSWORD }, { signature: null }),
      ];
      for (const reply of await Promise.all(attempts)) {
        replies.push(reply);
        expect(reply.statusCode).toBe(401);
        expect(reply.json()).toMatchObject({ IsSuccessful: false, Content: null });
        expect(firstMessage(reply).Code).toBe('signature_invalid');
      }
    });

    it('refuses a DateTime more than five minutes from the server clock, either way', async () => {
      const customer = await registerCustomer(h);
      const login = { Identity: customer.phone, Password: PASSWORD };
      const at = (offset: number) => ({
        dateTime: dotNetDateTime(new Date(h.clock.now().getTime() + offset)),
      });
      for (const offset of [-6 * MINUTE, 6 * MINUTE]) {
        const reply = await cbss.call(CBSS_PATHS.login, login, at(offset));
        expect(reply.statusCode).toBe(401);
        expect(firstMessage(reply).Code).toBe('request_stale');
      }
      expect((await cbss.call(CBSS_PATHS.login, login, at(-4 * MINUTE))).statusCode).toBe(200);
      expect((await cbss.call(CBSS_PATHS.login, login, at(4 * MINUTE))).statusCode).toBe(200);
      const zoneless = await cbss.call(CBSS_PATHS.login, login, { dateTime: '2026-11-23T10:00:00' });
      expect(zoneless.statusCode).toBe(400);
    });

    it('refuses a replayed signature, also when two copies race', async () => {
      const customer = await registerCustomer(h);
      const signed = cbss.sign({ Identity: customer.phone, Password: PASSWORD });
      expect((await cbss.send(CBSS_PATHS.login, signed)).statusCode).toBe(200);
      const replayed = await cbss.send(CBSS_PATHS.login, signed);
      expect(replayed.statusCode).toBe(401);
      expect(firstMessage(replayed).Code).toBe('request_replayed');

      // Four minutes later the same bytes are still fresh, and still refused.
      h.clock.advance(4 * MINUTE);
      expect(firstMessage(await cbss.send(CBSS_PATHS.login, signed)).Code).toBe('request_replayed');

      const racing = cbss.sign({ Identity: customer.phone, Password: PASSWORD });
      const both = await Promise.all([
        cbss.send(CBSS_PATHS.login, racing),
        cbss.send(CBSS_PATHS.login, racing),
      ]);
      expect(both.map((reply) => reply.statusCode).sort()).toEqual([200, 401]);
    });

    it('refuses a wrong password with 403 at login and at step 1', async () => {
      const customer = await registerCustomer(h);
      const login = await cbss.call(CBSS_PATHS.login, {
        Identity: customer.phone,
        Password: 'wrong password',
      });
      expect(login.statusCode).toBe(403);
      expect(login.json()).toMatchObject({ IsSuccessful: false, Content: null });
      expect(firstMessage(login)).toEqual({ Code: 'wrong_password', Text: 'The password is not correct.' });
      const unknown = await cbss.call(CBSS_PATHS.login, {
        Identity: 'nobody@example.com',
        Password: PASSWORD,
      });
      expect(unknown.statusCode).toBe(403);

      const { loginSalt } = await cbss.login(customer.phone, PASSWORD);
      const step1 = await cbss.call(
        CBSS_PATHS.changeMobile,
        { Identity: null, Password: 'wrong password', NewMobilePhoneNumber: uniquePhone() },
        { loginSalt },
      );
      expect(step1.statusCode).toBe(403);
      expect(firstMessage(step1).Code).toBe('wrong_password');
    });

    it('refuses a wrong OTP with 422 and a malformed one with 400, then switches on the right one', async () => {
      const customer = await registerCustomer(h);
      const { loginSalt } = await cbss.login(customer.phone, PASSWORD);
      const newPhone = uniquePhone();
      await cbss.call(
        CBSS_PATHS.changeMobile,
        { Password: PASSWORD, NewMobilePhoneNumber: newPhone },
        { loginSalt },
      );
      const otp = await h.lastCode(newPhone);
      const wrong = otp === '000000' ? '111111' : '000000';
      const refused = await cbss.confirmMobilePhoneNumber(loginSalt, wrong);
      expect(refused.statusCode).toBe(422);
      expect(firstMessage(refused).Code).toBe('code_incorrect');
      const malformed = await cbss.confirmMobilePhoneNumber(loginSalt, 'abc');
      expect(malformed.statusCode).toBe(400);
      expect(firstMessage(malformed).Code).toBe('invalid_code');
      const right = await cbss.confirmMobilePhoneNumber(loginSalt, otp);
      expect(right.statusCode).toBe(200);
      h.clock.advance(1000); // the same bytes a second later: a new signature, not a replay
      const again = await cbss.confirmMobilePhoneNumber(loginSalt, otp);
      expect(again.statusCode).toBe(409);
      expect(firstMessage(again).Code).toBe('no_pending_phone_change');
    });

    it('refuses a login salt once its session expired, thirty minutes after the login', async () => {
      const customer = await registerCustomer(h);
      const { loginSalt } = await cbss.login(customer.phone, PASSWORD);
      h.clock.advance(31 * MINUTE);
      const reply = await cbss.call(
        CBSS_PATHS.changeMobile,
        { Identity: null, Password: PASSWORD, NewMobilePhoneNumber: uniquePhone() },
        { loginSalt },
      );
      expect(reply.statusCode).toBe(401);
      expect(firstMessage(reply).Code).toBe('signature_invalid');
    });

    it('answers Messages in Arabic when Language is ar_AE, and in English by default', async () => {
      const customer = await registerCustomer(h);
      const content = { Identity: customer.phone, Password: 'wrong password' };
      const arabic = await cbss.call(CBSS_PATHS.login, content, { language: 'ar_AE' });
      expect(firstMessage(arabic)).toEqual({ Code: 'wrong_password', Text: 'كلمة المرور غير صحيحة.' });
      h.clock.advance(1000); // the Language is not signed: the same body needs a new DateTime
      const english = await cbss.call(CBSS_PATHS.login, content, { language: 'en_US' });
      expect(firstMessage(english).Text).toBe('The password is not correct.');
    });

    it('refuses malformed requests with a 4xx envelope: missing fields, bad JSON, another media type', async () => {
      const missing = await cbss.call(CBSS_PATHS.login, { Identity: '+971500000000' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toMatchObject({ IsSuccessful: false, ClientCode: 'test', Content: null });
      expect(missing.json().Messages.map((m: { Text: string }) => m.Text)).toContain(
        '/Content/Password: is required',
      );
      const send = (payload: string, contentType: string) =>
        h.app.http.inject({
          method: 'POST',
          url: CBSS_PATHS.login,
          headers: { 'content-type': contentType },
          payload,
        });
      const badJson = await send('{"ClientCode": ', 'application/json');
      expect(badJson.statusCode).toBe(400);
      expect(badJson.json()).toMatchObject({
        IsSuccessful: false,
        ClientCode: null,
        Messages: [{ Code: 'invalid_json' }],
      });
      const xml = await send('<Login/>', 'application/xml');
      expect(xml.statusCode).toBe(415);
      expect(xml.json().IsSuccessful).toBe(false);
      replies.push(missing, badJson, xml);
    });

    it('never puts a password, code or key in a reply or a log line', async () => {
      const customer = await registerCustomer(h);
      const { loginSalt } = await cbss.login(customer.phone, PASSWORD);
      const newPhone = uniquePhone();
      await cbss.changeMobilePhoneNumber(loginSalt, { password: PASSWORD, newPhone });
      const otp = await h.lastCode(newPhone);
      await cbss.confirmMobilePhoneNumber(loginSalt, otp);
      const everything = [...replies.map((reply) => reply.body), ...h.logs].join('\n');
      expect(everything).not.toContain(PASSWORD);
      expect(everything).not.toContain(CLIENT_KEY);
      expect(everything).not.toMatch(new RegExp(`(?<!\\d)${otp}(?!\\d)`));
    });

    it('answered none of the requests above with a 5xx', () => {
      expect(replies.length).toBeGreaterThan(20);
      expect(replies.filter((reply) => reply.statusCode >= 500).map((reply) => reply.body)).toEqual([]);
    });
  });

  describe.skipIf(skip !== false)(`CBSS face with authentication off on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend, { FACES_WITHOUT_AUTH: 'cbss', FACES_WITHOUT_AUTH_TENANT: 'test' });
    });
    afterAll(async () => h?.close());

    it('takes unsigned requests from a client it does not know, on the newest session of that client', async () => {
      const cbss = cbssClient(h, { code: 'legacy-app', key: 'unknown' });
      const customer = await registerCustomer(h);
      const early = await cbss.call(
        CBSS_PATHS.changeMobile,
        { Identity: null, Password: PASSWORD, NewMobilePhoneNumber: uniquePhone() },
        { signature: null },
      );
      expect(early.statusCode).toBe(401);
      expect(firstMessage(early).Code).toBe('session_expired');

      const login = await cbss.call(
        CBSS_PATHS.login,
        { Identity: customer.phone, Password: PASSWORD },
        { signature: null },
      );
      expect(login.statusCode).toBe(200);
      const newPhone = uniquePhone();
      const step1 = await cbss.call(
        CBSS_PATHS.changeMobile,
        { Identity: null, Password: PASSWORD, NewMobilePhoneNumber: newPhone },
        { signature: null },
      );
      expect(step1.statusCode).toBe(200);
      const otp = await h.lastCode(newPhone);
      const step2 = await cbss.call(
        CBSS_PATHS.confirmMobile,
        { Identity: customer.phone, OTP: otp },
        { signature: null },
      );
      expect(step2.statusCode).toBe(200);
      const read = await readCustomer(h, customer.id);
      expect(read.phone).toBe(newPhone);
    });

    it('still refuses a stale DateTime and a wrong password', async () => {
      const cbss = cbssClient(h, { code: 'legacy-app', key: 'unknown' });
      const customer = await registerCustomer(h);
      const stale = await cbss.call(
        CBSS_PATHS.login,
        { Identity: customer.phone, Password: PASSWORD },
        { signature: null, dateTime: dotNetDateTime(new Date(h.clock.now().getTime() - 10 * MINUTE)) },
      );
      expect(stale.statusCode).toBe(401);
      const wrong = await cbss.call(
        CBSS_PATHS.login,
        { Identity: customer.phone, Password: 'nope nope' },
        { signature: null },
      );
      expect(wrong.statusCode).toBe(403);
    });
  });
}
