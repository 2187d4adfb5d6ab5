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

interface NumberFacts {
  country: string | undefined;
  callingCode: string | undefined;
}

/**
 * What parsing an E.164 number told, for the last numbers asked about: a start asks for its number's country
 * or calling code in several rules (the locale, the guard's prefixes and budgets, the price), and a parse with
 * full metadata is not free (~5% of a start's CPU when each asked again). Not seeded by toE164: a number read
 * in national form takes the country it was given, where its E.164 form may name another region of its
 * calling code. Insertion-ordered, the oldest forgotten first.
 */
const recentNumbers = new Map<string, NumberFacts>();
const RECENT_NUMBERS_MAX = 1_000;

function remember(e164: string, facts: NumberFacts): NumberFacts {
  if (!recentNumbers.has(e164) && recentNumbers.size >= RECENT_NUMBERS_MAX) {
    recentNumbers.delete(recentNumbers.keys().next().value!);
  }
  recentNumbers.set(e164, facts);
  return facts;
}

function factsOf(e164: string): NumberFacts {
  const known = recentNumbers.get(e164);
  if (known !== undefined) return known;
  try {
    const parsed = parsePhoneNumberWithError(e164);
    return remember(e164, { country: parsed.country, callingCode: parsed.countryCallingCode });
  } catch {
    return remember(e164, { country: undefined, callingCode: undefined });
  }
}

/** The ISO alpha-2 country of a number in E.164, when it can be told (for prices and national display). */
export function countryOf(e164: string): string | undefined {
  return factsOf(e164).country;
}

/** The country calling code of a number in E.164 ('971' for +971501234567), when it parses. */
export function callingCodeOf(e164: string): string | undefined {
  return factsOf(e164).callingCode;
}

/** An ISO alpha-2 country with phone numbers (what SMS_COUNTRIES and a client's countries name). */
export function isPhoneCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}
