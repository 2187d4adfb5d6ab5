import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import {
  SEED_DIRECTORY,
  buildCountries,
  buildEmirates,
  formatSeedJson,
  type CountrySeed,
  type EmirateSeed,
} from '../../scripts/generate-countries.js';

function readSeed(file: string): string {
  return readFileSync(`${SEED_DIRECTORY}${file}`, 'utf8');
}

const countries = JSON.parse(readSeed('countries.json')) as CountrySeed[];
const emirates = JSON.parse(readSeed('emirates.json')) as EmirateSeed[];

describe('countries seed', () => {
  it('lists at least the 249 ISO 3166 countries', () => {
    expect(countries.length).toBeGreaterThanOrEqual(249);
  });

  it('describes the UAE with its codes, calling code and Arabic name', () => {
    const uae = countries.find((country) => country.id === 784);
    expect(uae).toMatchObject({ id: 784, alpha2: 'AE', alpha3: 'ARE', callingCode: '971' });
    expect(uae?.nameAr).not.toBe('');
  });

  it('gives Iran the calling code 98', () => {
    expect(countries.find((country) => country.id === 364)?.callingCode).toBe('98');
  });

  it('leaves the calling code empty for a territory without a numbering plan', () => {
    expect(countries.find((country) => country.alpha2 === 'AQ')?.callingCode).toBe('');
  });

  it('is sorted by id with no id or alpha-2 code repeated', () => {
    const ids = countries.map((country) => country.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(countries.length);
    expect(new Set(countries.map((country) => country.alpha2)).size).toBe(countries.length);
  });

  it('names every country in English and Arabic', () => {
    for (const country of countries) {
      expect(country.nameEn, country.alpha2).not.toBe('');
      expect(country.nameAr, country.alpha2).toMatch(/[\u0600-\u06FF]/);
    }
  });

  it('equals a fresh build from the installed packages, byte for byte', () => {
    expect(readSeed('countries.json')).toBe(formatSeedJson(buildCountries()));
  });
});

describe('emirates seed', () => {
  it('lists the seven emirates, Abu Dhabi first', () => {
    expect(emirates).toHaveLength(7);
    expect(emirates[0]).toEqual({ id: 1, nameEn: 'Abu Dhabi', nameAr: 'أبو ظبي' });
    expect(emirates.map((emirate) => emirate.nameEn)).toEqual([
      'Abu Dhabi',
      'Dubai',
      'Sharjah',
      'Ajman',
      'Umm Al Quwain',
      'Ras Al Khaimah',
      'Fujairah',
    ]);
  });

  it('equals a fresh build, byte for byte', () => {
    expect(readSeed('emirates.json')).toBe(formatSeedJson(buildEmirates()));
  });
});
