/** CBSS wire <-> domain: the Language query, the reply envelope, and a domain error as a refusal envelope. */
import { errorMessage, type DomainError, type Language } from '../../domain/errors.js';
import type { Locale } from '../../domain/types.js';

/** `ar_AE` (or any ar_*) selects Arabic; anything else, or nothing, English (the documented en_US default). */
export function languageOf(language: unknown): Language {
  return typeof language === 'string' && /^ar(?:[_-]|$)/i.test(language) ? 'ar' : 'en';
}

/** The SMS goes out in the language the request asked its Messages in. */
export const localeOf = (language: Language): Locale => language;

export function reply<T>(clientCode: string | null, now: Date, content: T) {
  return {
    IsSuccessful: true,
    Messages: [],
    ClientCode: clientCode,
    DateTime: now.toISOString(),
    Content: content,
  };
}

/** The error's message first, then one per detail (a field's problem, in English). */
export function refusalBody(error: DomainError, language: Language, clientCode: string | null, now: Date) {
  const details = (error.details ?? []).map((detail) => ({
    Code: error.code,
    Text: detail.field === undefined ? detail.problem : `${detail.field}: ${detail.problem}`,
  }));
  return {
    IsSuccessful: false,
    Messages: [{ Code: error.code, Text: errorMessage(error.code, language) }, ...details],
    ClientCode: clientCode,
    DateTime: now.toISOString(),
    Content: null,
  };
}

/** The ClientCode of a body that may not have been read or validated. */
export function clientCodeOf(body: unknown): string | null {
  const code =
    typeof body === 'object' && body !== null ? (body as { ClientCode?: unknown }).ClientCode : undefined;
  return typeof code === 'string' ? code : null;
}
