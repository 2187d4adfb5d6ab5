/**
 * The language of a text when the request names none: the number's country's, as an operator would pick it
 * (COUNTRY_LOCALES adds to or overrides these); English elsewhere.
 */
import { countryOf } from './phones.js';
import { LOCALES, type Locale } from './types.js';

/** The Arab League's members read Arabic; Iran reads Persian. */
export const DEFAULT_COUNTRY_LOCALES: Readonly<Record<string, Locale>> = {
  AE: 'ar',
  BH: 'ar',
  DJ: 'ar',
  DZ: 'ar',
  EG: 'ar',
  IQ: 'ar',
  JO: 'ar',
  KM: 'ar',
  KW: 'ar',
  LB: 'ar',
  LY: 'ar',
  MA: 'ar',
  MR: 'ar',
  OM: 'ar',
  PS: 'ar',
  QA: 'ar',
  SA: 'ar',
  SD: 'ar',
  SO: 'ar',
  SY: 'ar',
  TN: 'ar',
  YE: 'ar',
  IR: 'fa',
};

export type CountryLocales = ReadonlyMap<string, Locale>;

export function localeForPhone(e164: string, byCountry: CountryLocales): Locale {
  const country = countryOf(e164);
  return (country === undefined ? undefined : byCountry.get(country)) ?? 'en';
}

/**
 * `AE=ar,EG=en,AF=fa`: entries over the defaults (an entry for a default country replaces it). Throws an Error
 * naming the bad entry.
 */
export function parseCountryLocales(raw: string): Map<string, Locale> {
  const table = new Map(Object.entries(DEFAULT_COUNTRY_LOCALES));
  for (const entry of raw.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const [country = '', localeName = ''] = entry.split('=').map((part) => part.trim());
    const locale = LOCALES.find((candidate) => candidate === localeName);
    if (!/^[A-Z]{2}$/.test(country) || locale === undefined) {
      throw new Error(
        `entry "${entry}" must be an ISO country code, "=" and a locale (${LOCALES.join(', ')}), e.g. EG=en`,
      );
    }
    table.set(country, locale);
  }
  return table;
}

/**
 * A vendor's locale tag (`ar`, `en-GB`, `fa-IR`, `es-mx`) as one of ours by its language; undefined when we
 * have no text in that language.
 */
export function localeOfTag(tag: string): Locale | undefined {
  const language = tag.trim().toLowerCase().split(/[-_]/)[0];
  return LOCALES.find((locale) => locale === language);
}
