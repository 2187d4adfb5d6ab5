/**
 * Generates the reference tables in src/store/seed/ from i18n-iso-countries and libphonenumber-js, so country
 * data is never typed by hand. Run `npx tsx scripts/generate-countries.ts` after upgrading either package and
 * commit the result; test/store/seed.test.ts fails while the committed files differ from a fresh build.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import countries from 'i18n-iso-countries';
import { getCountryCallingCode, isSupportedCountry } from 'libphonenumber-js';
import arabic from 'i18n-iso-countries/langs/ar.json' with { type: 'json' };
import english from 'i18n-iso-countries/langs/en.json' with { type: 'json' };
import type { Country, Emirate } from '../src/domain/types.js';

/** A COUNTRIES row: id is ISO 3166-1 numeric; callingCode has no '+' and is "" where libphonenumber has no plan (Antarctica). */
export type CountrySeed = Country;
export type EmirateSeed = Emirate;

export const SEED_DIRECTORY = fileURLToPath(new URL('../src/store/seed/', import.meta.url));

// The Node entry registers every locale already; registering ours keeps the script right under any entry point.
countries.registerLocale(english);
countries.registerLocale(arabic);

function nameOf(alpha2: string, locale: 'en' | 'ar'): string {
  const name = countries.getName(alpha2, locale);
  if (!name) throw new Error(`i18n-iso-countries has no ${locale} name for ${alpha2}`);
  return name;
}

/**
 * Every country i18n-iso-countries knows, sorted by numeric id. That includes Kosovo (XK, 983), a code
 * user-assigned rather than official in ISO 3166, because its numbers (+383) need verifying like any other.
 */
export function buildCountries(): CountrySeed[] {
  return Object.entries(countries.getNumericCodes())
    .map(([numeric, alpha2]) => {
      const alpha3 = countries.alpha2ToAlpha3(alpha2);
      if (alpha3 === undefined) throw new Error(`i18n-iso-countries has no alpha-3 code for ${alpha2}`);
      return {
        id: Number(numeric),
        alpha2,
        alpha3,
        callingCode: isSupportedCountry(alpha2) ? getCountryCallingCode(alpha2) : '',
        nameEn: nameOf(alpha2, 'en'),
        nameAr: nameOf(alpha2, 'ar'),
      };
    })
    .sort((a, b) => a.id - b.id);
}

/** The seven emirates, numbered in their customary order (Abu Dhabi first). */
export function buildEmirates(): EmirateSeed[] {
  return [
    { id: 1, nameEn: 'Abu Dhabi', nameAr: 'أبو ظبي' },
    { id: 2, nameEn: 'Dubai', nameAr: 'دبي' },
    { id: 3, nameEn: 'Sharjah', nameAr: 'الشارقة' },
    { id: 4, nameEn: 'Ajman', nameAr: 'عجمان' },
    { id: 5, nameEn: 'Umm Al Quwain', nameAr: 'أم القيوين' },
    { id: 6, nameEn: 'Ras Al Khaimah', nameAr: 'رأس الخيمة' },
    { id: 7, nameEn: 'Fujairah', nameAr: 'الفجيرة' },
  ];
}

/** One row per line, so a data change shows as a one-line diff in review. */
export function formatSeedJson(rows: readonly object[]): string {
  return `[\n${rows.map((row) => `  ${JSON.stringify(row)}`).join(',\n')}\n]\n`;
}

function writeSeeds(): void {
  mkdirSync(SEED_DIRECTORY, { recursive: true });
  const files = { 'countries.json': buildCountries(), 'emirates.json': buildEmirates() };
  for (const [file, rows] of Object.entries(files)) {
    writeFileSync(`${SEED_DIRECTORY}${file}`, formatSeedJson(rows));
    console.log(`wrote ${rows.length} rows to src/store/seed/${file}`);
  }
}

const runAsScript =
  process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (runAsScript) writeSeeds();
