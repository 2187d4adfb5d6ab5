/**
 * Contract checks against a legacy API's documented samples (test/fixtures/<face>/), kept verbatim:
 * every documented field must be in the reply, under its documented name, with its JSON type.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** A documented sample; the vendors' samples carry `// comments`, which are dropped (outside strings). */
export function documentedSample(face: string, name: string): unknown {
  const text = readFileSync(join(FIXTURES, face, name), 'utf8');
  const withoutComments = text.replace(
    /("(?:[^"\\]|\\.)*")|\/\/[^\n]*/g,
    (match, string?: string) => string ?? '',
  );
  return JSON.parse(withoutComments);
}

export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

/**
 * The differences between a reply and a sample: keys missing or extra, and values of another JSON
 * type. A sample's null documents a field but not its type: any value passes. A sample's array
 * element (the first) is the shape of every element of the reply's array.
 */
export function shapeDifferences(actual: unknown, sample: unknown, path = ''): string[] {
  if (sample === null) return [];
  const expected = jsonType(sample);
  const found = jsonType(actual);
  if (expected !== found) return [`${path || '/'}: ${found}, documented as ${expected}`];
  if (expected === 'array') {
    const element = (sample as unknown[])[0];
    if (element === undefined) return [];
    return (actual as unknown[]).flatMap((item, index) =>
      shapeDifferences(item, element, `${path}/${index}`),
    );
  }
  if (expected !== 'object') return [];
  const documented = sample as Record<string, unknown>;
  const replied = actual as Record<string, unknown>;
  const missing = Object.keys(documented)
    .filter((key) => !Object.hasOwn(replied, key))
    .map((key) => `${path}/${key}: missing`);
  const extra = Object.keys(replied)
    .filter((key) => !Object.hasOwn(documented, key))
    .map((key) => `${path}/${key}: not documented`);
  const nested = Object.keys(documented)
    .filter((key) => Object.hasOwn(replied, key))
    .flatMap((key) => shapeDifferences(replied[key], documented[key], `${path}/${key}`));
  return [...missing, ...extra, ...nested];
}

export function expectDocumentedShape(actual: unknown, sample: unknown): void {
  expect(shapeDifferences(actual, sample)).toEqual([]);
}
