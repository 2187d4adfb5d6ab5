/**
 * A loopback replay of Vonage's SMS API as documented (https://developer.vonage.com/en/api/sms): POST /sms/json
 * (form or JSON), HTTP 200 with one entry per part and a per-part status, and delivery receipts to the
 * `callback` URL (GET query, POST JSON or POST form), signed the documented way when a secret is set.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { isGsm7, unitLength } from '../../src/sms/encoding.js';
import { formFields, listenOnLoopback, readBody, replyJson } from './loopback-http.js';

export interface VonageReplayAccount {
  apiKey: string;
  apiSecret: string;
  /** When set, receipts carry timestamp, nonce and sig made with this secret and method. */
  signature?: { secret: string; method: 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512' };
}

export interface VonageSubmission {
  form: Record<string, string>;
  messageIds: string[];
}

/** How the replay answers the next sends: as documented, throttled (status 1), failing (status 5) or HTTP 503. */
export type VonageReplayMode = 'normal' | 'throttle' | 'internal_error' | 'outage' | 'no_credit';

export type ReceiptDelivery = 'GET' | 'POST-JSON' | 'POST-FORM';

export interface VonageReplay {
  baseUrl: string;
  mode: VonageReplayMode;
  submissions: VonageSubmission[];
  /** Destinations (digits) that are barred (status 7) or unroutable (status 6). */
  barred: Set<string>;
  unroutable: Set<string>;
  /** Sends a receipt for one part to the callback given at submission; resolves to our HTTP status. */
  sendDeliveryReceipt(
    messageId: string,
    status: string,
    options?: { errCode?: string; delivery?: ReceiptDelivery },
  ): Promise<number>;
  close(): Promise<void>;
}

const PRICE_PER_PART = 0.0333;
const ALPHANUMERIC_SENDER = /^[A-Za-z0-9 ]{1,11}$/;
const NUMERIC = /^[0-9]{7,15}$/;

/** Vonage's documented signature: sorted &name=value (with & and = in values made _), then hash or HMAC. */
export function signVonageParams(
  params: Record<string, string>,
  secret: string,
  method: 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512',
): string {
  const query = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${(params[name] ?? '').replace(/[&=]/g, '_')}`)
    .join('');
  if (method === 'md5hash')
    return createHash('md5')
      .update(query + secret)
      .digest('hex');
  return createHmac(method, secret).update(query).digest('hex').toUpperCase();
}

/** Parts as Vonage counts them: 160/153 GSM-7 septets for "text", 70/67 UTF-16 units for "unicode". */
function partsOf(text: string, type: string): number {
  const unicode = type === 'unicode';
  const units = unicode ? text.length : isGsm7(text) ? unitLength(text, 'gsm7') : text.length;
  const [single, concatenated] = unicode ? [70, 67] : [160, 153];
  return units <= single ? 1 : Math.ceil(units / concatenated);
}

function failure(res: ServerResponse, status: string, errorText: string): void {
  replyJson(res, 200, { 'message-count': '1', messages: [{ status, 'error-text': errorText }] });
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

export async function startVonageReplay(account: VonageReplayAccount): Promise<VonageReplay> {
  let balance = 15.5359;

  const server = await listenOnLoopback(async (req, res) => {
    const text = await readBody(req);
    if (replay.mode === 'outage') {
      res
        .writeHead(503, { 'content-type': 'text/html' })
        .end('<html><body>Service Unavailable</body></html>');
      return;
    }
    if (req.method !== 'POST' || req.url !== '/sms/json') {
      res.writeHead(404).end();
      return;
    }
    const isJson = (req.headers['content-type'] ?? '').includes('application/json');
    const raw = isJson ? (JSON.parse(text) as Record<string, unknown>) : formFields(text);
    const form = Object.fromEntries(
      Object.entries(raw).map(([name, value]) => [
        name,
        Array.isArray(value) ? String(value[0]) : String(value),
      ]),
    );

    for (const required of ['api_key', 'api_secret', 'from', 'to', 'text']) {
      if (form[required] === undefined || form[required] === '')
        return failure(res, '2', `Missing ${required} param`);
    }
    if (form.api_key !== account.apiKey || form.api_secret !== account.apiSecret) {
      return failure(res, '4', 'Bad Credentials');
    }
    const to = form.to ?? '';
    const from = form.from ?? '';
    if (!NUMERIC.test(to)) return failure(res, '3', 'Invalid to param');
    if (!NUMERIC.test(from) && !ALPHANUMERIC_SENDER.test(from))
      return failure(res, '15', 'Illegal Sender Address - rejected');
    if (replay.mode === 'throttle')
      return failure(res, '1', 'Throughput Rate Exceeded - please wait [ 1000 ] and retry');
    if (replay.mode === 'internal_error') return failure(res, '5', 'Internal Error');
    if (replay.mode === 'no_credit') return failure(res, '9', 'Quota Exceeded - rejected');
    if (replay.barred.has(to)) return failure(res, '7', 'Number barred.');
    if (replay.unroutable.has(to)) return failure(res, '6', 'Unroutable message - rejected');

    const parts = partsOf(form.text ?? '', form.type ?? 'text');
    const messageIds = Array.from({ length: parts }, () => randomBytes(8).toString('hex').toUpperCase());
    replay.submissions.push({ form, messageIds });
    replyJson(res, 200, {
      'message-count': String(parts),
      messages: messageIds.map((id) => {
        balance -= PRICE_PER_PART;
        return {
          to,
          'message-id': id,
          status: '0',
          'remaining-balance': balance.toFixed(8),
          'message-price': PRICE_PER_PART.toFixed(8),
          network: '23410',
          ...(form['client-ref'] === undefined ? {} : { 'client-ref': form['client-ref'] }),
        };
      }),
    });
  });

  const replay: VonageReplay = {
    baseUrl: server.origin,
    mode: 'normal',
    submissions: [],
    barred: new Set(),
    unroutable: new Set(),

    async sendDeliveryReceipt(messageId, status, options = {}) {
      const submission = replay.submissions.find((sent) => sent.messageIds.includes(messageId));
      const callback = submission?.form.callback;
      if (submission === undefined || callback === undefined) throw new Error(`no callback for ${messageId}`);
      const at = new Date();
      const params: Record<string, string> = {
        msisdn: submission.form.to ?? '',
        to: submission.form.from ?? '',
        'network-code': '23410',
        messageId,
        price: PRICE_PER_PART.toFixed(8),
        status,
        scts: `${String(at.getUTCFullYear()).slice(2)}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}`,
        'err-code': options.errCode ?? '0',
        'api-key': account.apiKey,
        ...(submission.form['client-ref'] === undefined
          ? {}
          : { 'client-ref': submission.form['client-ref'] }),
        'message-timestamp': at.toISOString().slice(0, 19).replace('T', ' '),
      };
      if (account.signature !== undefined) {
        params.timestamp = String(Math.floor(at.getTime() / 1000));
        params.nonce = randomUUID();
        params.sig = signVonageParams(params, account.signature.secret, account.signature.method);
      }
      const delivery = options.delivery ?? 'GET';
      const reply =
        delivery === 'GET'
          ? await request(`${callback}?${new URLSearchParams(params).toString()}`, { method: 'GET' })
          : await request(callback, {
              method: 'POST',
              headers: {
                'content-type':
                  delivery === 'POST-JSON' ? 'application/json' : 'application/x-www-form-urlencoded',
              },
              body:
                delivery === 'POST-JSON' ? JSON.stringify(params) : new URLSearchParams(params).toString(),
            });
      await reply.body.dump();
      return reply.statusCode;
    },

    close: server.close,
  };
  return replay;
}
