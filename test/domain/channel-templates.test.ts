/** The texts of the other channels: WhatsApp's template wording and an email's subject and body, per locale. */
import { describe, expect, it } from 'vitest';
import {
  LOCALES,
  parseTemplateOverrides,
  renderChannelText,
  type OtpTemplateInput,
} from '../../src/domain/templates.js';

const input = (overrides: Partial<OtpTemplateInput> = {}): OtpTemplateInput => ({
  purpose: 'login',
  locale: 'en',
  code: '042917',
  appName: 'Souq',
  minutes: 10,
  webOtpDomain: 'example.com',
  appHash: 'FA+9qCX9VSu',
  ...overrides,
});

describe('the texts of the WhatsApp and email channels', () => {
  it('has a WhatsApp text and an email subject and body with the code in every locale, the subject without it', () => {
    for (const locale of LOCALES) {
      const whatsapp = renderChannelText('whatsapp', input({ locale }));
      expect(whatsapp.text, locale).toContain('042917');
      const email = renderChannelText('email', input({ locale }));
      expect(email.text, locale).toContain('042917');
      expect(email.subject, locale).toContain('Souq');
      expect(email.subject, locale).not.toContain('042917');
    }
  });

  it('leaves the SMS-only WebOTP and app-hash lines out of an email', () => {
    const { text } = renderChannelText('email', input());
    expect(text).not.toContain('@example.com');
    expect(text).not.toContain('FA+9qCX9VSu');
  });

  it('takes the operator’s email body and subject, and a tenant’s over them', () => {
    const overrides = parseTemplateOverrides(
      JSON.stringify({
        email: { login: { en: 'Your Souq login code is {code}.' } },
        email_subject: { en: '{appName} sign-in', ar: 'دخول {appName}' },
        tenants: { acme: { email_subject: { en: 'Acme: your code' } } },
      }),
    );
    expect(renderChannelText('email', input(), overrides)).toEqual({
      text: 'Your Souq login code is 042917.',
      subject: 'Souq sign-in',
    });
    expect(renderChannelText('email', input({ tenant: 'acme' }), overrides).subject).toBe('Acme: your code');
    expect(renderChannelText('email', input({ locale: 'ar' }), overrides).subject).toBe('دخول Souq');
  });

  it('refuses a subject that would carry the code, and an email body without it', () => {
    expect(() => parseTemplateOverrides(JSON.stringify({ email_subject: { en: 'Code {code}' } }))).toThrow(
      /email_subject\.en uses unknown placeholder \{code\}/,
    );
    expect(() => parseTemplateOverrides(JSON.stringify({ email: { login: { en: 'Hello' } } }))).toThrow(
      /email\.login\.en must contain \{code\}/,
    );
  });
});
