import { describe, it, expect } from 'vitest';
import { countParts } from '../../src/sms/encoding.js';
import { localeForPhone, localeOfTag, parseCountryLocales } from '../../src/domain/locales.js';
import {
  DEFAULT_NOTICE_TEMPLATES,
  DEFAULT_OTP_TEMPLATES,
  LOCALES,
  NOTICE_KINDS,
  OTP_PURPOSES,
  parseTemplateOverrides,
  renderNoticeText,
  renderOtpText,
  type Locale,
  type OtpPurpose,
} from '../../src/domain/templates.js';

// Reference values for the part budget: a 7-letter app name, a 6-digit code and a short domain.
const APP_NAME = 'Example';
const CODE = '042917';
const DOMAIN = 'example.com';

const everyOtpText = OTP_PURPOSES.flatMap((purpose) => LOCALES.map((locale) => ({ purpose, locale })));

function otp(purpose: OtpPurpose, locale: Locale, webOtpDomain?: string): string {
  return renderOtpText({ purpose, locale, code: CODE, appName: APP_NAME, minutes: 10, webOtpDomain });
}

describe('default OTP texts', () => {
  it.each(everyOtpText)(
    '$purpose/$locale contains the code and the app name, with no placeholder left',
    ({ purpose, locale }) => {
      const text = otp(purpose, locale);
      expect(text).toContain(CODE);
      expect(text).toContain(APP_NAME);
      expect(text).not.toMatch(/\{\w+\}/);
    },
  );

  it.each(everyOtpText)(
    '$purpose/$locale ends with the WebOTP line when a domain is configured',
    ({ purpose, locale }) => {
      const text = otp(purpose, locale, DOMAIN);
      expect(text.endsWith(`\n@${DOMAIN} #${CODE}`)).toBe(true);
      expect(text.split('\n').at(-1)).toBe(`@${DOMAIN} #${CODE}`);
      expect(text.slice(0, -`\n@${DOMAIN} #${CODE}`.length)).toBe(otp(purpose, locale));
    },
  );

  it('has no WebOTP line when no domain is configured', () => {
    for (const { purpose, locale } of everyOtpText) expect(otp(purpose, locale)).not.toContain('@');
  });

  it('states the expiry in minutes in English', () => {
    expect(otp('login', 'en')).toContain('10 min');
  });

  it('keeps the code in ASCII digits in Arabic and Persian', () => {
    for (const purpose of OTP_PURPOSES) {
      expect(otp(purpose, 'ar')).toContain(CODE);
      expect(otp(purpose, 'fa')).toContain(CODE);
      expect(otp(purpose, 'fa')).not.toMatch(/[۰-۹٠-٩]/);
    }
  });

  it('writes Persian with Persian letters, not the Arabic yeh and kaf', () => {
    const persian = [
      ...OTP_PURPOSES.map((purpose) => DEFAULT_OTP_TEMPLATES[purpose].fa),
      ...NOTICE_KINDS.map((kind) => DEFAULT_NOTICE_TEMPLATES[kind].fa),
    ];
    for (const text of persian) {
      expect(text).not.toMatch(/[\u064A\u0643]/);
      expect(text).toMatch(/[\u06CC\u06A9]/);
    }
  });

  it('rejects a WebOTP domain that is not a bare host', () => {
    expect(() => otp('login', 'en', 'https://example.com')).toThrow(/bare host/);
    expect(() => otp('login', 'en', 'example.com #1')).toThrow(/bare host/);
  });

  it('does not expand placeholders that appear inside the app name', () => {
    const text = renderOtpText({ purpose: 'login', locale: 'en', code: '1', appName: '{code}', minutes: 5 });
    expect(text).toBe('1 is your {code} login code. Valid for 5 min. Do not share it with anyone.');
  });
});

describe('part count of every default text', () => {
  // Regressions in wording show here: English is one GSM-7 part; Arabic and Persian OTPs are one UCS-2 part
  // even with the WebOTP line (for the reference name and domain); the Persian notice alone needs two parts.
  it('keeps every default text within its expected number of parts', () => {
    const table: Record<string, string> = {};
    const partsOf = (text: string) => {
      const { parts, encoding, units, perPart } = countParts(text);
      return { parts, summary: `${parts} ${encoding} part(s), ${units}/${perPart}` };
    };
    for (const { purpose, locale } of everyOtpText) {
      const plain = partsOf(otp(purpose, locale));
      const withWebOtp = partsOf(otp(purpose, locale, DOMAIN));
      table[`otp ${purpose}/${locale}`] = plain.summary;
      table[`otp ${purpose}/${locale} + WebOTP`] = withWebOtp.summary;
      expect(plain.parts, `otp ${purpose}/${locale}`).toBe(1);
      expect(withWebOtp.parts, `otp ${purpose}/${locale} + WebOTP`).toBe(1);
    }
    for (const kind of NOTICE_KINDS) {
      for (const locale of LOCALES) {
        const notice = partsOf(renderNoticeText({ kind, locale, appName: APP_NAME }));
        table[`notice ${kind}/${locale}`] = notice.summary;
        expect(notice.parts, `notice ${kind}/${locale}`).toBe(locale === 'fa' ? 2 : 1);
      }
    }
    console.table(table);
  });

  it('sends English texts as GSM-7 and Arabic and Persian as UCS-2', () => {
    for (const { purpose, locale } of everyOtpText) {
      expect(countParts(otp(purpose, locale, DOMAIN)).encoding).toBe(locale === 'en' ? 'gsm7' : 'ucs2');
    }
  });
});

describe('phone replaced notice', () => {
  it.each(LOCALES)('in %s names the app and carries no code or number', (locale) => {
    const text = renderNoticeText({ kind: 'phone_replaced', locale, appName: APP_NAME });
    expect(text).toContain(APP_NAME);
    expect(text).not.toMatch(/[0-9۰-۹٠-٩]/);
    expect(text).not.toMatch(/\{\w+\}/);
  });

  it('tells the old number to contact support', () => {
    expect(renderNoticeText({ kind: 'phone_replaced', locale: 'en', appName: APP_NAME })).toMatch(
      /contact .*support/,
    );
  });
});

describe('template overrides', () => {
  const overrides = parseTemplateOverrides(
    JSON.stringify({
      otp: { login: { en: 'Your {appName} code: {code} ({minutes} min)' } },
      notice: { phone_replaced: { ar: '{appName}: تغيّر رقم هاتفك.' } },
    }),
  );

  it('replace the default for the purpose and locale they name', () => {
    const input = { purpose: 'login', locale: 'en', code: '123456', appName: 'Acme', minutes: 3 } as const;
    expect(renderOtpText(input, overrides)).toBe('Your Acme code: 123456 (3 min)');
    expect(renderOtpText({ ...input, webOtpDomain: 'acme.ae' }, overrides)).toBe(
      'Your Acme code: 123456 (3 min)\n@acme.ae #123456',
    );
    expect(renderNoticeText({ kind: 'phone_replaced', locale: 'ar', appName: 'Acme' }, overrides)).toBe(
      'Acme: تغيّر رقم هاتفك.',
    );
  });

  it('leave the defaults of other purposes and locales in place', () => {
    const input = { purpose: 'login', locale: 'ar', code: '123456', appName: 'Acme', minutes: 3 } as const;
    expect(renderOtpText(input, overrides)).toBe(renderOtpText(input));
    expect(renderOtpText({ ...input, purpose: 'signup', locale: 'en' }, overrides)).toBe(
      renderOtpText({ ...input, purpose: 'signup', locale: 'en' }),
    );
  });

  it('are rejected for an OTP text without {code}, naming the key', () => {
    expect(() => parseTemplateOverrides('{"otp":{"signup":{"fa":"Welcome to {appName}"}}}')).toThrow(
      /otp\.signup\.fa must contain \{code\}/,
    );
  });

  it.each([
    ['an unknown placeholder', '{"otp":{"login":{"en":"{code} {name}"}}}', /otp\.login\.en .*\{name\}/],
    [
      'a code in a notice',
      '{"notice":{"phone_replaced":{"en":"{appName} {code}"}}}',
      /notice\.phone_replaced\.en .*\{code\}/,
    ],
    ['an unknown purpose', '{"otp":{"reset":{"en":"{code}"}}}', /otp\.reset is unknown/],
    ['an unknown locale', '{"otp":{"login":{"de":"{code}"}}}', /otp\.login\.de .*unknown locale/],
    ['an unknown section', '{"voice":{}}', /voice is unknown/],
    [
      'a text that is not a string',
      '{"otp":{"login":{"en":42}}}',
      /otp\.login\.en must be a non-empty string/,
    ],
    ['an empty text', '{"otp":{"login":{"en":" "}}}', /otp\.login\.en must be a non-empty string/],
    ['a section that is not an object', '{"otp":[]}', /otp must be an object/],
    ['a top level that is not an object', '[]', /must be a JSON object/],
    ['text that is not JSON', '{otp:', /not valid JSON/],
  ])('are rejected for %s', (_case, json, message) => {
    expect(() => parseTemplateOverrides(json)).toThrow(message);
  });

  it('accept an empty set', () => {
    expect(parseTemplateOverrides('{}')).toEqual({});
  });
});

describe('texts by tenant, app hash and country', () => {
  const overrides = parseTemplateOverrides(
    JSON.stringify({
      otp: { generic: { en: 'Everyone: {code}' } },
      tenants: { acme: { otp: { generic: { en: 'Acme: {code}' } } } },
    }),
  );
  const generic = (tenant?: string, appHash?: string) =>
    renderOtpText(
      { purpose: 'generic', locale: 'en', code: CODE, appName: APP_NAME, minutes: 10, tenant, appHash },
      overrides,
    );

  it("take a tenant's own template over the operator's, the operator's for every other tenant", () => {
    expect(generic('acme')).toBe(`Acme: ${CODE}`);
    expect(generic('other')).toBe(`Everyone: ${CODE}`);
    expect(generic()).toBe(`Everyone: ${CODE}`);
  });

  it('end with the SMS Retriever app hash, after a WebOTP line', () => {
    expect(generic('acme', 'FA+9qCX9VSu')).toBe(`Acme: ${CODE}\nFA+9qCX9VSu`);
    const both = renderOtpText({
      purpose: 'generic',
      locale: 'ar',
      code: CODE,
      appName: APP_NAME,
      minutes: 10,
      webOtpDomain: DOMAIN,
      appHash: 'FA+9qCX9VSu',
    });
    expect(both.split('\n').slice(-2)).toEqual([`@${DOMAIN} #${CODE}`, 'FA+9qCX9VSu']);
    expect(() => generic('acme', 'short')).toThrow(RangeError);
  });

  it("read a number's language from its country, with COUNTRY_LOCALES entries over the defaults", () => {
    const table = parseCountryLocales('EG=en,AF=fa');
    expect(localeForPhone('+971501234567', table)).toBe('ar');
    expect(localeForPhone('+989121234567', table)).toBe('fa');
    expect(localeForPhone('+201001234567', table)).toBe('en');
    expect(localeForPhone('+93701234567', table)).toBe('fa');
    expect(localeForPhone('+12025550142', table)).toBe('en');
    expect(localeForPhone('+966501234567', new Map())).toBe('en');
    expect(() => parseCountryLocales('EG=fr')).toThrow(/EG=fr/);
  });

  it('read a vendor locale tag by its language', () => {
    expect(localeOfTag('ar-AE')).toBe('ar');
    expect(localeOfTag('en-us')).toBe('en');
    expect(localeOfTag('fa')).toBe('fa');
    expect(localeOfTag('es-mx')).toBeUndefined();
  });
});
