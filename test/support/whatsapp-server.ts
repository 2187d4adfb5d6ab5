/**
 * A loopback replay of Meta's WhatsApp Cloud API as documented
 * (developers.facebook.com/docs/whatsapp/cloud-api): POST /{version}/{phone-number-id}/messages with a bearer
 * token and an authentication template (the code in the body and in the one-time-password button), the
 * documented reply and error bodies, and status webhooks (sent, delivered, read, failed) posted back to the
 * app, signed in X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'undici';
import { listenOnLoopback, readBody, replyJson } from './loopback-http.js';

export interface WhatsAppReplayAccount {
  accessToken: string;
  phoneNumberId: string;
  appSecret: string;
  /** The approved authentication templates, by name, with the languages each is approved in. */
  templates: Record<string, string[]>;
}

export interface WhatsAppSubmission {
  wamid: string;
  to: string;
  template: string;
  language: string;
  /** The code the body parameter and the button parameter carried (they must agree). */
  code: string;
}

export interface WhatsAppReplay {
  baseUrl: string;
  submissions: WhatsAppSubmission[];
  /** Numbers (digits) the next sends are throttled for: error 130429, as Meta answers it. */
  throttled: Set<string>;
  /**
   * Posts a status of one sent message to `webhookUrl`, signed with the app secret (or with `secret` when a
   * test forges one); resolves to our HTTP status.
   */
  postStatus(
    webhookUrl: string,
    wamid: string,
    status: 'sent' | 'delivered' | 'read' | 'failed',
    options?: { secret?: string; errorCode?: number },
  ): Promise<number>;
  close(): Promise<void>;
}

const fbtrace = () => randomBytes(8).toString('base64url');

/** The Graph API's error envelope, as its documentation shows it. */
function graphError(code: number, message: string, details?: string) {
  return {
    error: {
      message,
      type: 'OAuthException',
      code,
      ...(details === undefined ? {} : { error_data: { messaging_product: 'whatsapp', details } }),
      fbtrace_id: fbtrace(),
    },
  };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The code of an authentication template send, or why it is malformed. */
function readTemplate(body: unknown): { to: string; name: string; language: string; code: string } | string {
  if (!isObject(body) || body.messaging_product !== 'whatsapp') return 'messaging_product must be whatsapp';
  if (body.type !== 'template' || !isObject(body.template)) return 'type must be template';
  if (typeof body.to !== 'string' || !/^[0-9]{7,15}$/.test(body.to)) return 'to must be a phone number';
  const { name, language, components } = body.template;
  if (typeof name !== 'string' || !isObject(language) || typeof language.code !== 'string') {
    return 'template needs a name and a language code';
  }
  if (!Array.isArray(components)) return 'template components are required';
  const parameterOf = (component: unknown) =>
    isObject(component) && Array.isArray(component.parameters) && isObject(component.parameters[0])
      ? component.parameters[0].text
      : undefined;
  const bodyPart: unknown = components.find((c) => isObject(c) && c.type === 'body');
  const button: unknown = components.find(
    (c) => isObject(c) && c.type === 'button' && c.sub_type === 'url' && c.index === '0',
  );
  const code = parameterOf(bodyPart);
  if (typeof code !== 'string' || parameterOf(button) !== code) {
    return 'an authentication template takes the code in the body and in its url button (index 0)';
  }
  return { to: body.to, name, language: language.code, code };
}

export async function startWhatsAppReplay(account: WhatsAppReplayAccount): Promise<WhatsAppReplay> {
  const submissions: WhatsAppSubmission[] = [];
  const throttled = new Set<string>();
  const server = await listenOnLoopback(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://replay').pathname;
    const match = /^\/v[0-9]+\.[0-9]+\/([0-9]+)\/messages$/.exec(path);
    const text = await readBody(req);
    if (req.method !== 'POST' || match === null) {
      replyJson(res, 400, graphError(100, 'Unsupported post request.'));
      return;
    }
    if (req.headers.authorization !== `Bearer ${account.accessToken}`) {
      replyJson(res, 401, graphError(190, 'Invalid OAuth access token - Cannot parse access token'));
      return;
    }
    if (match[1] !== account.phoneNumberId) {
      replyJson(
        res,
        400,
        graphError(100, `Unsupported post request. Object with ID '${match[1]}' does not exist`),
      );
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      replyJson(res, 400, graphError(100, 'Invalid parameter', 'the body is not JSON'));
      return;
    }
    const send = readTemplate(parsed);
    if (typeof send === 'string') {
      replyJson(res, 400, graphError(131008, '(#131008) Required parameter is missing', send));
      return;
    }
    if (!(account.templates[send.name] ?? []).includes(send.language)) {
      replyJson(
        res,
        404,
        graphError(
          132001,
          '(#132001) Template name does not exist in the translation',
          `template name (${send.name}) does not exist in ${send.language}`,
        ),
      );
      return;
    }
    if (throttled.has(send.to)) {
      replyJson(
        res,
        400,
        graphError(130429, '(#130429) Rate limit hit', 'Cloud API message throughput has been reached.'),
      );
      return;
    }
    const wamid = `wamid.${randomBytes(24).toString('base64url')}`;
    submissions.push({ wamid, to: send.to, template: send.name, language: send.language, code: send.code });
    replyJson(res, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: send.to, wa_id: send.to }],
      messages: [{ id: wamid, message_status: 'accepted' }],
    });
  });

  return {
    baseUrl: server.origin,
    submissions,
    throttled,
    async postStatus(webhookUrl, wamid, status, options = {}) {
      const submission = submissions.find((sent) => sent.wamid === wamid);
      const statusObject = {
        id: wamid,
        status,
        timestamp: String(Math.floor(Date.now() / 1000)),
        recipient_id: submission?.to ?? '0',
        ...(status === 'failed'
          ? {
              errors: [
                {
                  code: options.errorCode ?? 131026,
                  title: 'Message undeliverable',
                  message: 'Message undeliverable',
                  error_data: { details: 'Message Undeliverable.' },
                },
              ],
            }
          : {}),
      };
      const raw = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '102290129340398',
            changes: [
              {
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550783881', phone_number_id: account.phoneNumberId },
                  statuses: [statusObject],
                },
                field: 'messages',
              },
            ],
          },
        ],
      });
      const signature = createHmac('sha256', options.secret ?? account.appSecret)
        .update(raw)
        .digest('hex');
      const reply = await request(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${signature}` },
        body: raw,
      });
      await reply.body.dump();
      return reply.statusCode;
    },
    close: () => server.close(),
  };
}
