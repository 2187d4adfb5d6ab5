/**
 * SMS text encoding and segmentation (3GPP TS 23.038 for the alphabets, TS 23.040 for concatenation).
 * GSM-7 is chosen whenever every character fits the default alphabet or its extension table; otherwise UCS-2.
 */

export type SmsEncoding = 'gsm7' | 'ucs2';

export interface SmsParts {
  encoding: SmsEncoding;
  parts: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text. */
  units: number;
  /** The most units one part may hold: the single-part limit when parts is 1, the concatenated limit otherwise. */
  perPart: number;
}

/** TS 23.038 6.2.1: the default alphabet, indexed by septet value (0x1B is the escape to the extension table). */
const GSM7_DEFAULT_ALPHABET =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** TS 23.038 6.2.1.1: the extension table, as septet value after the escape -> character. */
const GSM7_EXTENSION_TABLE: ReadonlyArray<readonly [number, string]> = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

const GSM7_ESCAPE = 0x1b;

const septetOfDefaultChar = new Map<string, number>(
  [...GSM7_DEFAULT_ALPHABET]
    .map((char, septet) => [char, septet] as const)
    .filter(([, septet]) => septet !== GSM7_ESCAPE),
);
const septetOfExtensionChar = new Map<string, number>(
  GSM7_EXTENSION_TABLE.map(([septet, char]) => [char, septet]),
);
const extensionCharOfSeptet = new Map<number, string>(GSM7_EXTENSION_TABLE);

/** Single-part and per-part (after the 6-byte concatenation UDH) capacities, TS 23.040 9.2.3.24.1. */
const CAPACITY: Record<SmsEncoding, { single: number; concatenated: number }> = {
  gsm7: { single: 160, concatenated: 153 },
  ucs2: { single: 70, concatenated: 67 },
};

export function isGsm7(text: string): boolean {
  for (const char of text) {
    if (!septetOfDefaultChar.has(char) && !septetOfExtensionChar.has(char)) return false;
  }
  return true;
}

export function encodingOf(text: string): SmsEncoding {
  return isGsm7(text) ? 'gsm7' : 'ucs2';
}

/** The indivisible pieces of a text with their unit cost: a GSM-7 char (1 or 2 septets) or a UTF-16 code point. */
function* unitsOf(text: string, encoding: SmsEncoding): Generator<{ piece: string; units: number }> {
  for (const piece of text) {
    // Iterating a string yields code points, so a surrogate pair stays whole and counts 2 code units.
    if (encoding === 'ucs2') yield { piece, units: piece.length };
    else yield { piece, units: septetOfExtensionChar.has(piece) ? 2 : 1 };
  }
}

export function unitLength(text: string, encoding: SmsEncoding = encodingOf(text)): number {
  let total = 0;
  for (const { units } of unitsOf(text, encoding)) total += units;
  return total;
}

/** Greedy split at the per-part limit; a piece that would straddle the boundary starts the next part instead. */
function splitAt(text: string, encoding: SmsEncoding, perPart: number): string[] {
  const parts: string[] = [];
  let current = '';
  let currentUnits = 0;
  for (const { piece, units } of unitsOf(text, encoding)) {
    if (currentUnits + units > perPart) {
      parts.push(current);
      current = '';
      currentUnits = 0;
    }
    current += piece;
    currentUnits += units;
  }
  parts.push(current);
  return parts;
}

function segment(text: string): { encoding: SmsEncoding; units: number; perPart: number; parts: string[] } {
  const encoding = encodingOf(text);
  const units = unitLength(text, encoding);
  const { single, concatenated } = CAPACITY[encoding];
  if (units <= single) return { encoding, units, perPart: single, parts: [text] };
  return { encoding, units, perPart: concatenated, parts: splitAt(text, encoding, concatenated) };
}

export function countParts(text: string): SmsParts {
  const { encoding, units, perPart, parts } = segment(text);
  return { encoding, parts: parts.length, units, perPart };
}

export function splitParts(text: string): { encoding: SmsEncoding; parts: string[] } {
  const { encoding, parts } = segment(text);
  return { encoding, parts };
}

/** Unpacked GSM-7 (one septet per byte), as SMPP sends it with data_coding 0. Throws on a non-GSM character. */
export function encodeGsm7(text: string): Buffer {
  const bytes: number[] = [];
  for (const char of text) {
    const septet = septetOfDefaultChar.get(char);
    if (septet !== undefined) {
      bytes.push(septet);
      continue;
    }
    const extension = septetOfExtensionChar.get(char);
    if (extension === undefined) {
      const codePoint = char.codePointAt(0) ?? 0;
      throw new RangeError(
        `Not in the GSM 03.38 alphabet: U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`,
      );
    }
    bytes.push(GSM7_ESCAPE, extension);
  }
  return Buffer.from(bytes);
}

/** UCS-2 big-endian for data_coding 8; characters outside the BMP go as UTF-16 surrogate pairs, as phones expect. */
export function encodeUcs2(text: string): Buffer {
  const buf = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) buf.writeUInt16BE(text.charCodeAt(i), i * 2);
  return buf;
}

function septetAt(buf: Buffer, index: number): number {
  const septet = buf[index] as number;
  if (septet > 0x7f) throw new RangeError(`Not a GSM-7 septet: 0x${septet.toString(16)} at byte ${index}`);
  return septet;
}

/** Inverse of encodeGsm7. Throws on a byte above 0x7F. */
export function decodeGsm7(buf: Buffer): string {
  let text = '';
  for (let i = 0; i < buf.length; i++) {
    const septet = septetAt(buf, i);
    if (septet !== GSM7_ESCAPE) {
      text += GSM7_DEFAULT_ALPHABET[septet];
      continue;
    }
    // A dangling escape at the end carries no character.
    if (i + 1 >= buf.length) break;
    const escaped = septetAt(buf, ++i);
    // TS 23.038 6.2.1.1: an unknown escaped code shows as its default-table character; escape-escape as a space.
    text +=
      extensionCharOfSeptet.get(escaped) ?? (escaped === GSM7_ESCAPE ? ' ' : GSM7_DEFAULT_ALPHABET[escaped]);
  }
  return text;
}
