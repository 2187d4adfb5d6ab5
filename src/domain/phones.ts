/** Phone numbers: parsed with libphonenumber-js (full metadata, so validity is exact), kept in E.164. */
import { isSupportedCountry, parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { DomainError } from './errors.js';

/**
 * Parses a number given in international form, or in national form with the country it belongs to.
 * Throws invalid_phone, naming the field, when it is not a possible and valid number.
 */
export function toE164(raw: string, options: { country?: string; field?: string } = {}): string {
  const field = options.field ?? '/phone';
  try {
    const parsed = parsePhoneNumberWithError(raw.trim(), options.country as CountryCode | undefined);
    if (parsed.isValid()) return parsed.number;
  } catch {
    // parse errors and invalid numbers answer alike
  }
  throw new DomainError('invalid_phone', { details: [{ field, problem: 'not a valid phone number' }] });
}

/** Masks all but the country code and the last 3 digits, for replies that must not echo a full number. */
export function maskPhone(e164: string): string {
  if (e164.length <= 7) return e164.replace(/\d(?=\d{2})/g, '*');
  return e164.slice(0, 4) + '*'.repeat(e164.length - 7) + e164.slice(-3);
}

/** The ISO alpha-2 country of a number in E.164, when it can be told (for prices and national display). */
export function countryOf(e164: string): string | undefined {
  try {
    return parsePhoneNumberWithError(e164).country;
  } catch {
    return undefined;
  }
}

/** An ISO alpha-2 country with phone numbers (what SMS_COUNTRIES and a client's countries name). */
export function isPhoneCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}
