/**
 * A loopback replay of Twilio's Messages API as documented (https://www.twilio.com/docs/messaging/api/message-resource):
 * basic auth, form validation with Twilio's error codes and bodies, the full Message resource on 201, and
 * status callbacks signed the documented way (HMAC-SHA1 of URL + sorted params, base64).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { countParts } from '../../src/sms/encoding.js';
import { formFields, listenOnLoopback, readBody, replyJson } from './loopback-http.js';

export interface TwilioReplayAccount {
  accountSid: string;
  authToken: string;
  /** Numbers this account owns and may send from. */
  ownedNumbers: string[];
  messagingServiceSids?: string[];
}

export interface TwilioCreatedMessage {
  sid: string;
  form: Record<string, string>;
}

/** How the replay answers the next creates: as documented, throttled, in an outage, or not at all. */
export type TwilioReplayMode = 'normal' | 'throttle' | 'outage' | 'hang';

export interface TwilioReplay {
  baseUrl: string;
  mode: TwilioReplayMode;
  created: TwilioCreatedMessage[];
  /** Destinations that are landlines (21614), unsubscribed (21610), or in a region not enabled (21408, by prefix). */
  landlines: Set<string>;
  unsubscribed: Set<string>;
  disabledRegionPrefixes: string[];
  /** Price reported on create (Twilio usually reports null until the carrier prices it). */
  priceOnCreate: string | null;
  /** POSTs a status callback for a created message to its StatusCallback URL; resolves to our HTTP status. */
  postStatusCallback(sid: string, status: string, errorCode?: string): Promise<number>;
  close(): Promise<void>;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;
const MAX_BODY_CHARS = 1600;

/** Twilio signs with the Auth Token: base64(HMAC-SHA1(url + each param name+value, sorted by name)). */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((signed, name) => signed + name + params[name], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

function twilioError(res: ServerResponse, status: number, code: number, message: string): void {
  replyJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function basicCredentials(header: string | undefined): [string, string] | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

export async function startTwilioReplay(account: TwilioReplayAccount): Promise<TwilioReplay> {
  const path = `/2010-04-01/Accounts/${account.accountSid}/Messages.json`;

  const server = await listenOnLoopback(async (req, res) => {
    const text = await readBody(req);
    if (replay.mode === 'hang') return;
    const credentials = basicCredentials(req.headers.authorization);
    if (credentials?.[0] !== account.accountSid || credentials[1] !== account.authToken) {
      twilioError(res, 401, 20003, 'Authenticate');
      return;
    }
    if (req.method !== 'POST' || req.url !== path) {
      twilioError(res, 404, 20404, `The requested resource ${req.url ?? ''} was not found`);
      return;
    }
    if (replay.mode === 'throttle') return twilioError(res, 429, 20429, 'Too Many Requests');
    if (replay.mode === 'outage') return twilioError(res, 503, 20500, 'Internal Server Error');

    const form = formFields(text);
    const field = (name: string): string | undefined => {
      const value = form[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const to = field('To');
    const from = field('From');
    const serviceSid = field('MessagingServiceSid');
    const body = field('Body');
    if (to === undefined) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to))
      return twilioError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (from === undefined && serviceSid === undefined) {
      return twilioError(res, 400, 21603, "A 'From' phone number is required.");
    }
    if (serviceSid !== undefined && !(account.messagingServiceSids ?? []).includes(serviceSid)) {
      return twilioError(res, 404, 20404, `The requested resource /Services/${serviceSid} was not found`);
    }
    if (from !== undefined && !account.ownedNumbers.includes(from)) {
      return twilioError(
        res,
        400,
        21606,
        `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
      );
    }
    if (body === undefined || body === '') return twilioError(res, 400, 21602, 'Message body is required.');
    if ([...body].length > MAX_BODY_CHARS) {
      return twilioError(res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    }
    if (replay.disabledRegionPrefixes.some((prefix) => to.startsWith(prefix))) {
      return twilioError(
        res,
        400,
        21408,
        `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.`,
      );
    }
    if (replay.landlines.has(to))
      return twilioError(res, 400, 21614, `'To' number ${to} is not a valid mobile number`);
    if (replay.unsubscribed.has(to))
      return twilioError(res, 400, 21610, 'Attempt to send to unsubscribed recipient');

    const sid = `SM${randomBytes(16).toString('hex')}`;
    const flatForm = Object.fromEntries(Object.keys(form).map((name) => [name, field(name) ?? '']));
    replay.created.push({ sid, form: flatForm });
    const now = rfc2822(new Date());
    const uri = `/2010-04-01/Accounts/${account.accountSid}/Messages/${sid}`;
    // Through a Messaging Service the sender is picked later: status "accepted", no From, 0 segments.
    const viaService = serviceSid !== undefined && from === undefined;
    replyJson(res, 201, {
      account_sid: account.accountSid,
      api_version: '2010-04-01',
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: viaService ? null : from,
      messaging_service_sid: serviceSid ?? null,
      num_media: '0',
      num_segments: viaService ? '0' : String(countParts(body).parts),
      price: replay.priceOnCreate,
      price_unit: 'USD',
      sid,
      status: viaService ? 'accepted' : 'queued',
      subresource_uris: { media: `${uri}/Media.json` },
      to,
      uri: `${uri}.json`,
    });
  });

  const replay: TwilioReplay = {
    baseUrl: server.origin,
    mode: 'normal',
    created: [],
    landlines: new Set(),
    unsubscribed: new Set(),
    disabledRegionPrefixes: [],
    priceOnCreate: null,

    async postStatusCallback(sid, status, errorCode) {
      const message = replay.created.find((created) => created.sid === sid);
      const callbackUrl = message?.form.StatusCallback;
      if (message === undefined || callbackUrl === undefined) throw new Error(`no StatusCallback for ${sid}`);
      const params: Record<string, string> = {
        AccountSid: account.accountSid,
        ApiVersion: '2010-04-01',
        From: message.form.From ?? account.ownedNumbers[0] ?? '',
        MessageSid: sid,
        MessageStatus: status,
        SmsSid: sid,
        SmsStatus: status,
        To: message.form.To ?? '',
        ...(errorCode === undefined ? {} : { ErrorCode: errorCode }),
      };
      const reply = await request(callbackUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': 'TwilioProxy/1.1',
          'x-twilio-signature': signTwilioRequest(account.authToken, callbackUrl, params),
        },
        body: new URLSearchParams(params).toString(),
      });
      await reply.body.dump();
      return reply.statusCode;
    },

    close: server.close,
  };
  return replay;
}
