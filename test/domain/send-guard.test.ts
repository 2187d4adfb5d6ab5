import { describe, expect, it } from 'vitest';
import { countedPrefixes, isPrefix, leadingParts } from '../../src/domain/send-guard.js';

describe('the prefixes the send guard counts', () => {
  it('takes the country code and then national digits, whatever the country code’s length', () => {
    expect(countedPrefixes('+989121234567', [2, 3, 5])).toEqual(['+9891', '+98912', '+9891212']);
    expect(countedPrefixes('+12025550123', [5, 2, 3])).toEqual(['+120', '+1202', '+120255']);
    expect(countedPrefixes('+971501234567', [0, 2])).toEqual(['+971', '+97150']);
  });

  it('matches blocks and safe entries of any length through every leading part of the number', () => {
    expect(leadingParts('+97150123')).toEqual([
      '+9',
      '+97',
      '+971',
      '+9715',
      '+97150',
      '+971501',
      '+9715012',
      '+97150123',
    ]);
  });

  it.each([
    ['+98912', true],
    ['+989121234567', true],
    ['98912', false],
    ['+0912', false],
    ['+9891212345678901', false],
  ])('reads %s as a prefix: %s', (value, expected) => {
    expect(isPrefix(value)).toBe(expected);
  });
});
