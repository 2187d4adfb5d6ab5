import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { callingCodeOf, countryOf } from '../../src/domain/phones.js';

describe("a number's country and calling code", () => {
  // Calling codes shared by several regions: the region comes from the number itself.
  const numbers = {
    '+14165550123': ['CA', '1'],
    '+12025550123': ['US', '1'],
    '+447781123456': ['GG', '44'],
    '+442071838750': ['GB', '44'],
    '+441534123456': ['JE', '44'],
    '+77012345678': ['KZ', '7'],
    '+79123456789': ['RU', '7'],
    '+971501234567': ['AE', '971'],
    '+989121234567': ['IR', '98'],
  };

  it('are what a parse with full metadata says, asked once or again', () => {
    for (const [e164, [country, callingCode]] of Object.entries(numbers)) {
      const parsed = parsePhoneNumberWithError(e164);
      expect([parsed.country, parsed.countryCallingCode]).toEqual([country, callingCode]);
      for (let ask = 0; ask < 2; ask += 1) {
        expect(countryOf(e164)).toBe(country);
        expect(callingCodeOf(e164)).toBe(callingCode);
      }
    }
  });

  it('stay right after more numbers than are remembered, and are unknown for what does not parse', () => {
    for (let n = 0; n < 2_500; n += 1) countryOf(`+97150${String(n).padStart(7, '0')}`);
    for (const [e164, [country, callingCode]] of Object.entries(numbers)) {
      expect(countryOf(e164)).toBe(country);
      expect(callingCodeOf(e164)).toBe(callingCode);
    }
    expect(countryOf('+')).toBeUndefined();
    expect(callingCodeOf('not a number')).toBeUndefined();
  });
});
