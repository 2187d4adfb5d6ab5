import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SmsProvider } from '../../src/sms/provider.js';
import {
  createHttpGatewayProvider,
  parseHttpGatewayUrl,
  readHttpGatewayDescription,
  type HttpGatewayConfig,
  type HttpGatewayFile,
} from '../../src/sms/providers/http/index.js';
import {
  GATEWAY_TOKEN,
  KANNEL_PASSWORD,
  KANNEL_USER,
  startHttpGatewayReplay,
  type HttpGatewayReplay,
} from '../support/http-gateway-server.js';
import { MESSAGE_ID, otpMessage, sendError } from '../support/sms-provider-calls.js';

/** Quotes, a backslash, a newline, '&', '+', and Arabic: everything a template must escape. */
const TRICKY_TEXT = 'Code 482913 & "keep it" \\ secret\n+ رمز';

describe('HTTP gateway provider', () => {
  let gateway: HttpGatewayReplay;
  const providers: SmsProvider[] = [];

  function provider(description: HttpGatewayFile): SmsProvider {
    const made = createHttpGatewayProvider(readHttpGatewayDescription(description, 'test gateway'), {
      now: () => new Date('2025-03-01T12:00:00Z'),
    });
    providers.push(made);
    return made;
  }

  function jsonGateway(overrides: Partial<HttpGatewayFile> = {}): SmsProvider {
    return provider({
      url: `${gateway.origin}/api/messages`,
      headers: { authorization: `Bearer ${GATEWAY_TOKEN}` },
      bodyTemplate: '{"to": "{to}", "text": "{text}", "sender": "{from}", "reference": "{id}"}',
      success: { status: [201], jsonPath: 'status', equals: 'accepted' },
      refPath: 'message.id',
      from: 'OTPGATE',
      ...overrides,
    });
  }

  function kannel(overrides: Partial<HttpGatewayFile> = {}): SmsProvider {
    const password = encodeURIComponent(KANNEL_PASSWORD);
    return provider({
      url: `${gateway.origin}/cgi-bin/sendsms?username=${KANNEL_USER}&password=${password}&to={toDigits}&text={text}&from={from}`,
      success: { status: [202], bodyContains: '0: Accepted' },
      from: 'OTPGATE',
      ...overrides,
    });
  }

  function formGateway(): SmsProvider {
    return provider({
      url: `${gateway.origin}/form/send`,
      bodyTemplate: 'to={toDigits}&message={text}&from={from}',
      success: { jsonPath: 'result.code', equals: 0 },
      refPath: 'result.ref',
      from: '15550001111',
    });
  }

  beforeEach(async () => {
    gateway = await startHttpGatewayReplay();
  });

  afterEach(async () => {
    await Promise.all(providers.splice(0).map((made) => made.close()));
    await gateway.close();
  });

  describe('sending', () => {
    it('posts the JSON template with the text JSON-escaped and takes the id the gateway gave', async () => {
      const result = await jsonGateway().send(otpMessage('+971501234567', TRICKY_TEXT));

      expect(gateway.requests[0]?.parsed).toEqual({
        to: '+971501234567',
        text: TRICKY_TEXT,
        sender: 'OTPGATE',
        reference: MESSAGE_ID,
      });
      expect(gateway.requests[0]?.headers['content-type']).toBe('application/json');
      expect(result).toEqual({ providerRef: 'gw-1000', parts: 1 });
    });

    it('posts the form template with the text form-escaped and reads a numeric result code and ref', async () => {
      const result = await formGateway().send(otpMessage('+447700900123', TRICKY_TEXT));

      expect(gateway.requests[0]?.parsed).toEqual({
        to: '447700900123',
        message: TRICKY_TEXT,
        from: '15550001111',
      });
      expect(gateway.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(result.providerRef).toBe('1000');
    });

    it('fills a GET URL with URL-escaped values and uses our id when the gateway returns none', async () => {
      const result = await kannel().send(otpMessage('+447700900123', TRICKY_TEXT));

      expect(gateway.requests[0]?.query).toEqual({
        username: KANNEL_USER,
        password: KANNEL_PASSWORD,
        to: '447700900123',
        text: TRICKY_TEXT,
        from: 'OTPGATE',
      });
      expect(result).toEqual({ providerRef: MESSAGE_ID, parts: 1 });
    });

    it('counts the parts of a long text itself', async () => {
      const result = await kannel().send(otpMessage('+447700900123', 'x'.repeat(307)));

      expect(result.parts).toBe(3);
    });

    it('fills placeholders once, so a text that contains "{id}" is sent as written', async () => {
      await jsonGateway().send(otpMessage('+447700900123', 'Your code {id} is 482913'));

      expect((gateway.requests[0]?.parsed as { text: string }).text).toBe('Your code {id} is 482913');
    });

    it('uses the sender a message asks for instead of the configured one', async () => {
      await jsonGateway().send({ ...otpMessage('+447700900123'), from: 'BANK' });

      expect((gateway.requests[0]?.parsed as { sender: string }).sender).toBe('BANK');
    });
  });

  describe('failures', () => {
    it('rejects the message when a 200 reply fails the success test', async () => {
      gateway.blacklisted.add('+447700900666');

      const error = await sendError(formGateway(), otpMessage('+447700900666'));

      expect([error.code, error.providerCode]).toEqual(['rejected', 'http_200']);
      expect(error.message).toContain('(equals)');
    });

    it('rejects the message when the gateway answers another 4xx (422)', async () => {
      const error = await sendError(jsonGateway(), otpMessage('+1555'));

      expect([error.code, error.providerCode]).toEqual(['rejected', 'http_422']);
    });

    it('calls a 401 or 403 from the gateway a configuration error', async () => {
      const wrongToken = await sendError(
        jsonGateway({ headers: { authorization: 'Bearer nope' } }),
        otpMessage('+447700900123'),
      );
      const wrongPassword = await sendError(
        kannel({
          url: `${gateway.origin}/cgi-bin/sendsms?username=${KANNEL_USER}&password=guess&to={toDigits}&text={text}`,
        }),
        otpMessage('+447700900123'),
      );

      expect(wrongToken.code).toBe('invalid_config');
      expect(wrongPassword.code).toBe('invalid_config');
    });

    it('reports a 429 as rate limited, with the Retry-After the gateway asked for', async () => {
      gateway.mode = 'throttle';

      const error = await sendError(kannel(), otpMessage('+447700900123'));

      expect([error.code, error.retryAfterMs]).toEqual(['rate_limited', 3000]);
    });

    it('reports a 5xx as unavailable', async () => {
      gateway.mode = 'outage';

      expect((await sendError(jsonGateway(), otpMessage('+447700900123'))).code).toBe('unavailable');
    });

    it('gives up as unavailable when the gateway does not answer within the timeout', async () => {
      gateway.mode = 'hang';

      const error = await sendError(kannel({ timeoutMs: 150 }), otpMessage('+447700900123'));

      expect(error.code).toBe('unavailable');
      expect(error.message).toContain('no reply within 150 ms');
    });

    it('reports a gateway that refuses connections as unavailable', async () => {
      const origin = gateway.origin;
      await gateway.close();

      const error = await sendError(
        kannel({ url: `${origin}/cgi-bin/sendsms?to={toDigits}&text={text}` }),
        otpMessage('+447700900123'),
      );

      expect(error.code).toBe('unavailable');
    });

    it('keeps the message text, which holds the code, out of error messages', async () => {
      gateway.blacklisted.add('+447700900666');

      const error = await sendError(
        formGateway(),
        otpMessage('+447700900666', 'Your otpgate code is 771204'),
      );

      expect(error.message).not.toContain('771204');
    });
  });
});

describe('parseHttpGatewayUrl', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'otpgate-http-gateway-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function configFile(name: string, content: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  const described: HttpGatewayConfig = {
    method: 'POST',
    url: 'https://gw.example.net/api/messages',
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    bodyTemplate: '{"to":"{to}","text":"{text}"}',
    bodyEscaping: 'json',
    success: { status: [201], jsonPath: 'status', equals: 'accepted' },
    refPath: 'message.id',
    from: undefined,
    timeoutMs: 10_000,
  };

  it('reads the gateway description from the JSON file named by config=, with defaults filled in', () => {
    const path = configFile('gateway.json', {
      url: 'https://gw.example.net/api/messages',
      headers: { authorization: 'Bearer t' },
      bodyTemplate: '{"to":"{to}","text":"{text}"}',
      success: { status: [201], jsonPath: 'status', equals: 'accepted' },
      refPath: 'message.id',
    });

    expect(parseHttpGatewayUrl(`http://?config=${encodeURIComponent(path)}`)).toEqual(described);
  });

  it('reads the same description from inline parameters', () => {
    const inline = new URLSearchParams({
      url: 'https://gw.example.net/api/messages',
      'header.authorization': 'Bearer t',
      body: '{"to":"{to}","text":"{text}"}',
      success_status: '201',
      success_path: 'status',
      success_equals: 'accepted',
      ref_path: 'message.id',
    });

    expect(parseHttpGatewayUrl(`http://?${inline.toString().replace(/\+/g, '%20')}`)).toEqual(described);
  });

  it("takes an inline status list separated by '|', since a comma would split SMS_PROVIDERS", () => {
    const url = encodeURIComponent('http://kannel:13013/cgi-bin/sendsms?to={toDigits}&text={text}');

    expect(parseHttpGatewayUrl(`http://?url=${url}&success_status=200|202`).success).toEqual({
      status: [200, 202],
    });
  });

  it('defaults to GET without a body and sends a non-JSON body as a form', () => {
    expect(
      parseHttpGatewayUrl(
        `http://?url=${encodeURIComponent('http://kannel:13013/cgi-bin/sendsms?to={toDigits}')}`,
      ),
    ).toMatchObject({ method: 'GET', bodyEscaping: 'none', headers: {} });
    expect(
      readHttpGatewayDescription({ url: 'http://gw/send', bodyTemplate: 'to={to}' }, 'test'),
    ).toMatchObject({
      method: 'POST',
      bodyEscaping: 'form',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  });

  it.each([
    ['an unknown placeholder', { url: 'http://gw/send?to={phone}' }, /unknown placeholder \{phone\}/],
    ['a GET with a body', { url: 'http://gw/send', method: 'GET', bodyTemplate: 'x' }, /GET request cannot/],
    ['equals without jsonPath', { url: 'http://gw/send', success: { equals: 0 } }, /needs 'jsonPath'/],
    ['a bad status list', { url: 'http://gw/send', success: { status: [2000] } }, /success.status/],
    ['a misspelt field', { url: 'http://gw/send', refpath: 'id' }, /unknown field 'refpath'/],
    ['no URL', { method: 'POST' }, /'url' is required/],
    ['a non-HTTP URL', { url: 'ftp://gw/send' }, /http or https/],
    ['{receiptUrl} without receipts', { url: 'http://gw/send?dlr={receiptUrl}' }, /'receipts' is missing/],
    [
      'receipts posted with neither token nor unsigned',
      { url: 'http://gw/send', receipts: { statuses: { ok: 'delivered' } } },
      /need 'receipts.token'/,
    ],
    [
      'a status mapped to nothing we know',
      { url: 'http://gw/send?dlr={receiptUrl}', receipts: { statuses: { 1: 'read' } } },
      /maps "1" to something other than/,
    ],
  ])('names the problem in a description with %s', (_case, description, problem) => {
    expect(() => readHttpGatewayDescription(description, 'test gateway')).toThrowError(problem);
  });

  it('names the file when it is missing or not JSON', () => {
    const notJson = configFile('broken.json', '{ url: nope');

    expect(() => parseHttpGatewayUrl(`http://?config=${join(dir, 'missing.json')}`)).toThrowError(
      /cannot be read \(ENOENT\)/,
    );
    expect(() => parseHttpGatewayUrl(`http://?config=${notJson}`)).toThrowError(
      /broken.json: not valid JSON/,
    );
  });

  it("refuses a gateway address before the '?' and a config file mixed with inline parameters", () => {
    expect(() => parseHttpGatewayUrl('http://gw.local/send?config=/x.json')).toThrowError(/url=/);
    expect(() => parseHttpGatewayUrl('http://?config=/x.json&method=POST')).toThrowError(
      /unknown parameter 'method'/,
    );
  });
});

describe('HTTP gateway delivery receipts', () => {
  const WEBHOOK = 'https://otp.example.com/webhooks/sms/kannel';
  const signer = { webhookUrl: WEBHOOK, key: Buffer.from('a key shared by every node, 32 b') };
  const at = new Date('2025-03-01T12:00:00Z');
  let gateway: HttpGatewayReplay;
  beforeAll(async () => {
    gateway = await startHttpGatewayReplay();
  });
  afterAll(async () => gateway?.close());
  beforeEach(() => {
    gateway.requests.length = 0;
  });

  const make = (description: HttpGatewayFile) =>
    createHttpGatewayProvider(readHttpGatewayDescription(description, 'test gateway'), {
      name: 'kannel',
      now: () => at,
      receiptSigner: signer,
    });
  const callbackGateway = () =>
    make({
      url: `${gateway.origin}/cgi-bin/sendsms?username=${KANNEL_USER}&password=${encodeURIComponent(KANNEL_PASSWORD)}&to={toDigits}&text={text}&dlr-url={receiptUrl}`,
      success: { status: [202] },
      receipts: { callbackQuery: 'status=%d', statuses: { 1: 'delivered', 2: 'undelivered', 8: 'sent' } },
    });
  /** The gateway calling back the URL it was handed, its placeholder filled in. */
  const callback = (url: string, status: string) => {
    const called = new URL(url.replace('%d', status));
    return {
      url: called.toString(),
      method: 'GET',
      headers: {},
      body: undefined,
      query: Object.fromEntries(called.searchParams),
    };
  };

  it('hands the gateway a signed receipt URL per message, and takes the receipt called back on it', async () => {
    const provider = callbackGateway();
    const result = await provider.send(otpMessage('+447700900123', 'Your code is 123456'));
    const handed = gateway.requests[0]?.query['dlr-url'] ?? '';

    expect(handed).toMatch(new RegExp(`^${WEBHOOK}\\?ref=${MESSAGE_ID}&sig=[\\w-]{22}&status=%d$`));
    expect(result.partRefs).toEqual([MESSAGE_ID]);
    expect(provider.parseWebhook?.(callback(handed, '1'))).toEqual([
      { provider: 'kannel', providerRef: MESSAGE_ID, status: 'delivered', at },
    ]);
    // A status the map does not name (4: queued at the SMSC) says nothing new.
    expect(provider.parseWebhook?.(callback(handed, '4'))).toEqual([]);
    await provider.close();
  });

  it('refuses a receipt whose signature does not match its message, or that has none', async () => {
    const provider = callbackGateway();
    await provider.send(otpMessage('+447700900123', 'Your code is 123456'));
    const handed = gateway.requests[0]?.query['dlr-url'] ?? '';
    const otherMessage = handed.replace(MESSAGE_ID, '00000000-0000-4000-8000-000000000001');
    const unsigned = handed.replace(/&sig=[^&]+/, '');

    for (const forged of [otherMessage, unsigned]) {
      expect(() => provider.parseWebhook?.(callback(forged, '2'))).toThrowError(
        expect.objectContaining({ code: 'unauthorized' }),
      );
    }
    await provider.close();
  });

  it('reads a receipt the gateway posts on its own, with its shared token, from a JSON body', async () => {
    const provider = make({
      url: `${gateway.origin}/api/messages`,
      bodyTemplate: '{"to": "{to}", "text": "{text}", "reference": "{id}"}',
      receipts: {
        refField: 'data.reference',
        statusField: 'data.state',
        errorField: 'data.error',
        statuses: { DELIVRD: 'delivered', UNDELIV: 'undelivered' },
        token: 'gateway-shared-token',
      },
    });
    const posted = (authorization: string | undefined) => ({
      url: WEBHOOK,
      method: 'POST',
      headers: authorization === undefined ? {} : { authorization },
      body: { data: { reference: MESSAGE_ID, state: 'UNDELIV', error: '27' } },
      query: {},
    });

    expect(provider.parseWebhook?.(posted('Bearer gateway-shared-token'))).toEqual([
      { provider: 'kannel', providerRef: MESSAGE_ID, status: 'undelivered', errorCode: '27', at },
    ]);
    for (const wrong of [undefined, 'Bearer gateway-shared-tokem']) {
      expect(() => provider.parseWebhook?.(posted(wrong))).toThrowError(
        expect.objectContaining({ code: 'unauthorized' }),
      );
    }
    await provider.close();
  });
});
