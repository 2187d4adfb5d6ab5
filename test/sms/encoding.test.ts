import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  countParts,
  decodeGsm7,
  encodeGsm7,
  encodeUcs2,
  encodingOf,
  isGsm7,
  splitParts,
  unitLength,
} from '../../src/sms/encoding.js';

const GSM_DEFAULT_CHARS = [
  ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?',
  ...'¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
];
const GSM_EXTENSION_CHARS = [...'\f^{}\\[~]|€'];
const NON_GSM_SAMPLES = ['ç', 'á', 'ء', 'پ', 'ی', '中', '😀', '👍🏽', '`', '\t'];

const gsmText = fc.string({
  unit: fc.constantFrom(...GSM_DEFAULT_CHARS, ...GSM_EXTENSION_CHARS),
  maxLength: 700,
  size: 'max',
});
const extensionHeavyText = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...GSM_EXTENSION_CHARS) },
    { weight: 1, arbitrary: fc.constantFrom(...GSM_DEFAULT_CHARS) },
  ),
  maxLength: 400,
  size: 'max',
});
const ucs2Text = fc
  .tuple(
    fc.string({ unit: fc.oneof(fc.constantFrom(...GSM_DEFAULT_CHARS), fc.constantFrom(...NON_GSM_SAMPLES)) }),
    fc.constantFrom(...NON_GSM_SAMPLES),
    fc.string({ unit: 'binary', maxLength: 300, size: 'max' }),
  )
  .map(([head, forced, tail]) => head + forced + tail);
const anyText = fc.oneof(
  gsmText,
  extensionHeavyText,
  ucs2Text,
  fc.string({ unit: 'binary', maxLength: 400, size: 'max' }),
);

describe('GSM-7 alphabet', () => {
  it('accepts every character of the default alphabet and the extension table', () => {
    expect(GSM_DEFAULT_CHARS).toHaveLength(127);
    expect(isGsm7(GSM_DEFAULT_CHARS.join('') + GSM_EXTENSION_CHARS.join(''))).toBe(true);
  });

  it.each(NON_GSM_SAMPLES)('rejects %j, which is outside GSM 03.38', (char) => {
    expect(isGsm7(`Code ${char}`)).toBe(false);
    expect(encodingOf(`Code ${char}`)).toBe('ucs2');
  });

  it('treats empty text as GSM-7', () => {
    expect(encodingOf('')).toBe('gsm7');
  });

  it('places characters at their GSM 03.38 septet values', () => {
    expect([...encodeGsm7('@£$Ç\nΔ¤¡Ä§¿äà ')]).toEqual([
      0x00, 0x01, 0x02, 0x09, 0x0a, 0x10, 0x24, 0x40, 0x5b, 0x5f, 0x60, 0x7b, 0x7f, 0x20,
    ]);
  });

  it('encodes extension characters as escape pairs', () => {
    expect([...encodeGsm7('\f^{}\\[~]|€')]).toEqual([
      0x1b, 0x0a, 0x1b, 0x14, 0x1b, 0x28, 0x1b, 0x29, 0x1b, 0x2f, 0x1b, 0x3c, 0x1b, 0x3d, 0x1b, 0x3e, 0x1b,
      0x40, 0x1b, 0x65,
    ]);
  });

  it('refuses to GSM-encode a character outside the alphabet', () => {
    expect(() => encodeGsm7('Price: 5 ₹')).toThrow(/U\+20B9/);
  });

  it('decodes what it encodes, for any GSM text', () => {
    fc.assert(fc.property(gsmText, (text) => decodeGsm7(encodeGsm7(text)) === text));
  });

  it('decodes an unknown escaped code as its default character and a byte above 0x7F as an error', () => {
    expect(decodeGsm7(Buffer.from([0x1b, 0x41, 0x1b, 0x1b, 0x42]))).toBe('A B');
    expect(() => decodeGsm7(Buffer.from([0x41, 0x80]))).toThrow(RangeError);
  });
});

describe('UCS-2 encoding', () => {
  it('writes big-endian code units, with a surrogate pair for an emoji', () => {
    expect(encodeUcs2('سلام😀').toString('hex')).toBe('0633064406270645d83dde00');
  });

  it('round-trips any text through UTF-16 big-endian', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        (text) => encodeUcs2(text).swap16().toString('utf16le') === text,
      ),
    );
  });
});

describe('unit length', () => {
  it('counts the euro sign as 2 septets', () => {
    expect(unitLength('€')).toBe(2);
    expect(countParts('€')).toEqual({ encoding: 'gsm7', parts: 1, units: 2, perPart: 160 });
  });

  it('counts every extension character as 2 septets', () => {
    expect(unitLength(GSM_EXTENSION_CHARS.join(''))).toBe(2 * GSM_EXTENSION_CHARS.length);
  });

  it('counts an emoji as 2 UCS-2 units', () => {
    expect(unitLength('😀')).toBe(2);
    expect(countParts('😀')).toEqual({ encoding: 'ucs2', parts: 1, units: 2, perPart: 70 });
  });

  it('counts a GSM text in UCS-2 units when asked to', () => {
    expect(unitLength('€uro', 'ucs2')).toBe(4);
  });
});

describe('part counting', () => {
  it('fits 160 GSM characters in one part and needs two for 161', () => {
    expect(countParts('a'.repeat(160))).toEqual({ encoding: 'gsm7', parts: 1, units: 160, perPart: 160 });
    expect(countParts('a'.repeat(161))).toEqual({ encoding: 'gsm7', parts: 2, units: 161, perPart: 153 });
  });

  it('fits 70 Arabic characters in one part and needs two for 71', () => {
    expect(countParts('ب'.repeat(70))).toEqual({ encoding: 'ucs2', parts: 1, units: 70, perPart: 70 });
    expect(countParts('ب'.repeat(71))).toEqual({ encoding: 'ucs2', parts: 2, units: 71, perPart: 67 });
  });

  it('counts empty text as one part', () => {
    expect(countParts('')).toEqual({ encoding: 'gsm7', parts: 1, units: 0, perPart: 160 });
    expect(splitParts('')).toEqual({ encoding: 'gsm7', parts: [''] });
  });

  it('fills concatenated GSM parts to 153 septets', () => {
    expect(countParts('a'.repeat(306)).parts).toBe(2);
    expect(countParts('a'.repeat(307)).parts).toBe(3);
  });

  it('needs a third part when an escape pair would straddle the 153-septet boundary', () => {
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
    expect(unitLength(text)).toBe(306);
    const { parts } = splitParts(text);
    expect(parts.map((part) => unitLength(part, 'gsm7'))).toEqual([152, 153, 1]);
    expect(countParts(text).parts).toBe(3);
  });

  it('never splits a surrogate pair across UCS-2 parts', () => {
    const text = 'ب'.repeat(66) + '😀' + 'ب'.repeat(10);
    const { parts } = splitParts(text);
    expect(parts).toEqual(['ب'.repeat(66), '😀' + 'ب'.repeat(10)]);
  });

  it('switches the whole text to UCS-2 for one non-GSM character', () => {
    expect(countParts('a'.repeat(100) + 'ç')).toEqual({
      encoding: 'ucs2',
      parts: 2,
      units: 101,
      perPart: 67,
    });
  });
});

describe('splitting, for any text', () => {
  it('joins the parts back into the original text', () => {
    fc.assert(fc.property(anyText, (text) => splitParts(text).parts.join('') === text));
  });

  it('keeps every part within the per-part limit of its encoding', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const { perPart, encoding } = countParts(text);
        return splitParts(text).parts.every((part) => unitLength(part, encoding) <= perPart);
      }),
    );
  });

  it('produces as many parts as countParts reports', () => {
    fc.assert(fc.property(anyText, (text) => countParts(text).parts === splitParts(text).parts.length));
  });

  it('leaves no part empty when there are several', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const { parts } = splitParts(text);
        return parts.length === 1 || parts.every((part) => part.length > 0);
      }),
    );
  });

  it('never leaves half of a surrogate pair at the edge of a part', () => {
    fc.assert(
      fc.property(ucs2Text, (text) =>
        splitParts(text).parts.every(
          (part) => !/[\ud800-\udbff]$/.test(part) && !/^[\udc00-\udfff]/.test(part),
        ),
      ),
    );
  });
});
