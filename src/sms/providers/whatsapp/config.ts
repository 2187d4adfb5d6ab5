/**
 * `whatsapp://ACCESS_TOKEN@PHONE_NUMBER_ID?template=otp_code&app_secret=...&verify_token=...`, with optional
 * `language=` (the template's language for English, en_US by default), `language_ar=` and `language_fa=`
 * (the same template approved in Arabic and Persian), `version=` (the Graph API version), `base=` and
 * `timeout_ms=`. The app secret verifies the status webhooks (X-Hub-Signature-256); the verify token answers
 * Meta's subscription handshake.
 */
import type { Locale } from '../../../domain/types.js';
import { DEFAULT_PROVIDER_TIMEOUT_MS } from '../http-transport.js';
import { splitProviderUrl } from '../provider-url.js';

export const WHATSAPP_API_BASE = 'https://graph.facebook.com';
/** The Graph API version the requests name; Meta keeps each for two years at least. */
export const WHATSAPP_API_VERSION = 'v21.0';

export interface WhatsAppConfig {
  accessToken: string;
  phoneNumberId: string;
  /** The approved authentication template (with its one-time-password button). */
  template: string;
  /** The template's language code per locale (Meta's codes: en_US, ar, fa). */
  languages: Record<Locale, string>;
  appSecret: string;
  verifyToken: string;
  version: string;
  baseUrl: string;
  timeoutMs: number;
}

const KNOWN_PARAMETERS = [
  'template',
  'language',
  'language_ar',
  'language_fa',
  'app_secret',
  'verify_token',
  'version',
  'base',
  'timeout_ms',
] as const;
const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;
const LANGUAGE = /^[a-z]{2,3}(_[A-Z]{2})?$/;

function language(value: string | undefined, fallback: string, name: string): string {
  const code = value ?? fallback;
  if (!LANGUAGE.test(code))
    throw new Error(`whatsapp URL: '${name}' must be a language code like en_US or ar`);
  return code;
}

export function parseWhatsAppUrl(url: string): WhatsAppConfig {
  const parts = splitProviderUrl(url, 'whatsapp');
  if (parts.scheme !== 'whatsapp') {
    throw new Error(`whatsapp URL: scheme must be whatsapp://, not ${parts.scheme}://`);
  }
  if (parts.username === '' || parts.password !== '') {
    throw new Error('whatsapp URL: the user name must be the access token (and no password)');
  }
  if (!/^[0-9]{1,32}$/.test(parts.host) || parts.path !== '') {
    throw new Error("whatsapp URL: after the '@' comes the phone number id (digits), then '?parameters'");
  }
  const { params } = parts;
  params.onlyKnown(KNOWN_PARAMETERS);
  const template = params.required('template');
  if (!TEMPLATE_NAME.test(template)) {
    throw new Error("whatsapp URL: 'template' must be a template name (lower-case letters, digits, _)");
  }
  const english = language(params.optional('language'), 'en_US', 'language');
  const version = params.optional('version') ?? WHATSAPP_API_VERSION;
  if (!/^v[0-9]{1,3}\.[0-9]{1,2}$/.test(version)) {
    throw new Error("whatsapp URL: 'version' must be a Graph API version like v21.0");
  }
  return {
    accessToken: parts.username,
    phoneNumberId: parts.host,
    template,
    languages: {
      en: english,
      ar: language(params.optional('language_ar'), 'ar', 'language_ar'),
      fa: language(params.optional('language_fa'), 'fa', 'language_fa'),
    },
    appSecret: params.required('app_secret'),
    verifyToken: params.required('verify_token'),
    version,
    baseUrl: params.httpBase('base', WHATSAPP_API_BASE),
    timeoutMs: params.positiveInteger('timeout_ms', DEFAULT_PROVIDER_TIMEOUT_MS),
  };
}
