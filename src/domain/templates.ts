/**
 * The texts otpgate sends: one OTP text per purpose and locale, and the notices. The domain decides them;
 * operators may override any of them (SMS_TEMPLATES, validated once at start by parseTemplateOverrides).
 */
import { LOCALES, PURPOSES, type Locale, type Purpose } from './types.js';

/** An OTP text is one per purpose of a verification. */
export type OtpPurpose = Purpose;
export type NoticeKind = 'phone_replaced';

export { LOCALES, type Locale };
export const OTP_PURPOSES: readonly OtpPurpose[] = PURPOSES;
export const NOTICE_KINDS: readonly NoticeKind[] = ['phone_replaced'];

export interface TemplateSet {
  otp?: Partial<Record<OtpPurpose, Partial<Record<Locale, string>>>>;
  notice?: Partial<Record<NoticeKind, Partial<Record<Locale, string>>>>;
  /** An email's body per purpose and locale, over the OTP text it otherwise carries. */
  email?: Partial<Record<OtpPurpose, Partial<Record<Locale, string>>>>;
  /** An email's subject per locale ({appName} only: a subject never carries the code). */
  email_subject?: Partial<Record<Locale, string>>;
}

/** The operator's texts for every tenant, and a tenant's own over them (`tenants.<tenant>`). */
export interface TemplateOverrides extends TemplateSet {
  tenants?: Record<string, TemplateSet>;
}

export interface OtpTemplateInput {
  purpose: OtpPurpose;
  locale: Locale;
  code: string;
  appName: string;
  minutes: number;
  /** When set, a WebOTP / origin-bound last line lets the browser or Android fill the code in. */
  webOtpDomain?: string;
  /** Android SMS Retriever: the app's 11-character hash, the text's last line. */
  appHash?: string;
  /** Whose texts: a tenant's own templates come first. */
  tenant?: string;
}

export interface NoticeTemplateInput {
  kind: NoticeKind;
  locale: Locale;
  appName: string;
  tenant?: string;
}

/**
 * English fits one GSM-7 part with room to spare. Arabic and Persian are UCS-2 (70 units) and leave out the
 * expiry so that, with the WebOTP line (21 units for "@example.com #123456"), they still fit one part for an
 * app name of about 7 letters; a longer name or domain makes them two parts (see the part-count test).
 * Persian uses Persian letters (ی ک), not the Arabic ي ك.
 */
export const DEFAULT_OTP_TEMPLATES: Record<OtpPurpose, Record<Locale, string>> = {
  signup: {
    en: '{code} is your {appName} sign-up code. Valid for {minutes} min. Do not share it with anyone.',
    ar: 'رمز التسجيل في {appName}: {code}\nلا تشاركه.',
    fa: 'کد ثبت‌نام در {appName}: {code}\nبه کسی ندهید.',
  },
  login: {
    en: '{code} is your {appName} login code. Valid for {minutes} min. Do not share it with anyone.',
    ar: 'رمز الدخول إلى {appName}: {code}\nلا تشاركه.',
    fa: 'کد ورود به {appName}: {code}\nبه کسی ندهید.',
  },
  phone_change: {
    en: '{code} is your {appName} code to change your phone number. Valid for {minutes} min. Do not share it with anyone.',
    ar: 'رمز تغيير رقمك في {appName}: {code}\nلا تشاركه.',
    fa: 'کد تغییر شماره {appName}: {code}\nبه کسی ندهید.',
  },
  generic: {
    en: '{code} is your {appName} verification code. Valid for {minutes} min. Do not share it with anyone.',
    ar: 'رمز التحقق من {appName}: {code}\nلا تشاركه.',
    fa: 'کد تأیید {appName}: {code}\nبه کسی ندهید.',
  },
};

/**
 * Sent to the old number after a phone change: it names neither the new number nor a code, so it leaks nothing.
 * The Persian text needs two UCS-2 parts: no shorter wording kept the meaning (it is sent once per change).
 */
export const DEFAULT_NOTICE_TEMPLATES: Record<NoticeKind, Record<Locale, string>> = {
  phone_replaced: {
    en: "{appName}: the phone number on your account was changed to another number. If this wasn't you, contact {appName} support now.",
    ar: '{appName}: نُقل حسابك إلى رقم هاتف آخر. إن لم تكن أنت فاتصل بالدعم.',
    fa: '{appName}: شماره تلفن حساب شما به شماره دیگری تغییر کرد. اگر این کار شما نبود، با پشتیبانی تماس بگیرید.',
  },
};

const OTP_PLACEHOLDERS = ['code', 'appName', 'minutes'] as const;
const NOTICE_PLACEHOLDERS = ['appName'] as const;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** One pass, so a value that itself looks like a placeholder (an app name "{code}") is not expanded again. */
function fillPlaceholders(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (match, name: string) => values[name] ?? match);
}

/** A host, optionally with a port: what WebOTP compares against the page's origin. */
export const WEB_OTP_HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i;

/** Android SMS Retriever's app hash: 11 characters of base64 (developers.google.com/identity/sms-retriever). */
export const APP_HASH = /^[A-Za-z0-9+/]{11}$/;

/** The tenant's own set, when it has one. */
const tenantSet = (overrides: TemplateOverrides | undefined, tenant: string | undefined) =>
  tenant === undefined ? undefined : overrides?.tenants?.[tenant];

export function renderOtpText(input: OtpTemplateInput, overrides?: TemplateOverrides): string {
  const template =
    tenantSet(overrides, input.tenant)?.otp?.[input.purpose]?.[input.locale] ??
    overrides?.otp?.[input.purpose]?.[input.locale] ??
    DEFAULT_OTP_TEMPLATES[input.purpose][input.locale];
  let text = fillPlaceholders(template, {
    code: input.code,
    appName: input.appName,
    minutes: String(input.minutes),
  }).trimEnd();
  if (input.webOtpDomain !== undefined) {
    if (!WEB_OTP_HOST.test(input.webOtpDomain)) {
      throw new RangeError(`WebOTP domain must be a bare host name, got "${input.webOtpDomain}"`);
    }
    // WebOTP spec: the last line is "@host #code"; Android's SMS Retriever accepts the same origin-bound line.
    text = `${text}\n@${input.webOtpDomain} #${input.code}`;
  }
  if (input.appHash !== undefined) {
    if (!APP_HASH.test(input.appHash)) throw new RangeError('An app hash is 11 base64 characters');
    // SMS Retriever: the text ends with the hash. Asked for by the request, it goes after a WebOTP line.
    text = `${text}\n${input.appHash}`;
  }
  return text;
}

export function renderNoticeText(input: NoticeTemplateInput, overrides?: TemplateOverrides): string {
  const template =
    tenantSet(overrides, input.tenant)?.notice?.[input.kind]?.[input.locale] ??
    overrides?.notice?.[input.kind]?.[input.locale] ??
    DEFAULT_NOTICE_TEMPLATES[input.kind][input.locale];
  return fillPlaceholders(template, { appName: input.appName });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkTemplate(
  path: string,
  value: unknown,
  allowed: readonly string[],
  required: readonly string[],
): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`Template override ${path} must be a non-empty string`);
  }
  const used = new Set([...value.matchAll(PLACEHOLDER)].map((match) => match[1] as string));
  for (const name of used) {
    if (!allowed.includes(name)) {
      throw new Error(
        `Template override ${path} uses unknown placeholder {${name}} (allowed: {${allowed.join('}, {')}})`,
      );
    }
  }
  for (const name of required) {
    if (!used.has(name)) throw new Error(`Template override ${path} must contain {${name}}`);
  }
  return value;
}

/** Validates one section (otp or notice): known keys, known locales, placeholders as allowed. */
function parseSection<K extends string>(
  section: string,
  value: unknown,
  keys: readonly K[],
  allowed: readonly string[],
  required: readonly string[],
): Partial<Record<K, Partial<Record<Locale, string>>>> {
  if (!isPlainObject(value)) throw new Error(`Template override ${section} must be an object`);
  const parsed: Partial<Record<K, Partial<Record<Locale, string>>>> = {};
  for (const [key, byLocale] of Object.entries(value)) {
    const knownKey = keys.find((candidate) => candidate === key);
    if (knownKey === undefined) {
      throw new Error(`Template override ${section}.${key} is unknown (expected one of: ${keys.join(', ')})`);
    }
    if (!isPlainObject(byLocale)) throw new Error(`Template override ${section}.${key} must be an object`);
    const texts: Partial<Record<Locale, string>> = {};
    for (const [localeKey, text] of Object.entries(byLocale)) {
      const locale = LOCALES.find((candidate) => candidate === localeKey);
      const path = `${section}.${key}.${localeKey}`;
      if (locale === undefined) {
        throw new Error(
          `Template override ${path} is for an unknown locale (expected one of: ${LOCALES.join(', ')})`,
        );
      }
      texts[locale] = checkTemplate(path, text, allowed, required);
    }
    parsed[knownKey] = texts;
  }
  return parsed;
}

/** Texts by locale alone (an email's subject). */
function parseLocales(
  path: string,
  value: unknown,
  allowed: readonly string[],
): Partial<Record<Locale, string>> {
  if (!isPlainObject(value)) throw new Error(`Template override ${path} must be an object`);
  const texts: Partial<Record<Locale, string>> = {};
  for (const [localeKey, text] of Object.entries(value)) {
    const locale = LOCALES.find((candidate) => candidate === localeKey);
    if (locale === undefined) {
      throw new Error(
        `Template override ${path}.${localeKey} is for an unknown locale (expected one of: ${LOCALES.join(', ')})`,
      );
    }
    texts[locale] = checkTemplate(`${path}.${localeKey}`, text, allowed, []);
  }
  return texts;
}

/** One set of texts (the operator's, or a tenant's under `prefix`). */
function parseSet(raw: Record<string, unknown>, prefix: string, allowTenants: boolean): TemplateOverrides {
  const overrides: TemplateOverrides = {};
  for (const [section, value] of Object.entries(raw)) {
    if (section === 'otp') {
      overrides.otp = parseSection(`${prefix}otp`, value, OTP_PURPOSES, OTP_PLACEHOLDERS, ['code']);
    } else if (section === 'email') {
      overrides.email = parseSection(`${prefix}email`, value, OTP_PURPOSES, OTP_PLACEHOLDERS, ['code']);
    } else if (section === 'email_subject') {
      overrides.email_subject = parseLocales(`${prefix}email_subject`, value, NOTICE_PLACEHOLDERS);
    } else if (section === 'notice') {
      // A notice carries no code: {code} is rejected as an unknown placeholder.
      overrides.notice = parseSection(`${prefix}notice`, value, NOTICE_KINDS, NOTICE_PLACEHOLDERS, []);
    } else if (section === 'tenants' && allowTenants) {
      if (!isPlainObject(value)) throw new Error('Template override tenants must be an object');
      overrides.tenants = {};
      for (const [tenant, set] of Object.entries(value)) {
        if (!isPlainObject(set)) throw new Error(`Template override tenants.${tenant} must be an object`);
        overrides.tenants[tenant] = parseSet(set, `tenants.${tenant}.`, false);
      }
    } else {
      const expected = allowTenants
        ? 'otp, notice, email, email_subject or tenants'
        : 'otp, notice, email or email_subject';
      throw new Error(`Template override ${prefix}${section} is unknown (expected ${expected})`);
    }
  }
  return overrides;
}

/** Parses operator-supplied overrides (JSON); throws an Error naming the offending key. */
export function parseTemplateOverrides(json: string): TemplateOverrides {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Template overrides are not valid JSON: ${reason}`, { cause: error });
  }
  if (!isPlainObject(raw)) throw new Error('Template overrides must be a JSON object');
  return parseSet(raw, '', true);
}

/**
 * WhatsApp sends a code only in an authentication template the business had approved, whose words Meta
 * fixes per language ("<code> is your verification code. For your security, do not share this code."): the
 * text kept here is that wording, as the message record's preview; the provider hands Meta the code alone.
 */
export const DEFAULT_WHATSAPP_TEXTS: Record<Locale, string> = {
  en: '{code} is your verification code. For your security, do not share this code.',
  ar: '{code} هو رمز التحقق الخاص بك. للحفاظ على أمانك، لا تشارك هذا الرمز.',
  fa: '{code} کد تأیید شماست. برای امنیت خود، این کد را با کسی به اشتراک نگذارید.',
};

/** An email's subject names the app, never the code (subjects show in notifications and lists). */
export const DEFAULT_EMAIL_SUBJECTS: Record<Locale, string> = {
  en: 'Your {appName} verification code',
  ar: 'رمز التحقق من {appName}',
  fa: 'کد تأیید {appName}',
};

export interface ChannelText {
  text: string;
  /** An email's subject. */
  subject?: string;
}

/**
 * A code's message for a channel other than SMS: WhatsApp's template wording, or an email whose body is the
 * purpose's text (the operator's overrides included) without the SMS-only WebOTP and app-hash lines.
 */
export function renderChannelText(
  channel: 'whatsapp' | 'email',
  input: OtpTemplateInput,
  overrides?: TemplateOverrides,
): ChannelText {
  if (channel === 'whatsapp') {
    return { text: fillPlaceholders(DEFAULT_WHATSAPP_TEXTS[input.locale], { code: input.code }) };
  }
  const own = tenantSet(overrides, input.tenant);
  const body =
    own?.email?.[input.purpose]?.[input.locale] ?? overrides?.email?.[input.purpose]?.[input.locale];
  const text =
    body === undefined
      ? renderOtpText({ ...input, webOtpDomain: undefined, appHash: undefined }, overrides)
      : fillPlaceholders(body, {
          code: input.code,
          appName: input.appName,
          minutes: String(input.minutes),
        }).trimEnd();
  const subjectTemplate =
    own?.email_subject?.[input.locale] ??
    overrides?.email_subject?.[input.locale] ??
    DEFAULT_EMAIL_SUBJECTS[input.locale];
  return { text, subject: fillPlaceholders(subjectTemplate, { appName: input.appName }) };
}
