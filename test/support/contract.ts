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

/** JSON's types: JSON has one number type (a sample's 0.0 parses as 0), so integers are numbers. */
export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

/**
 * Every way `actual` differs in shape from `sample`, as readable lines (none: it matches). Paths name
 * array items with `[]` (e.g. `DATA[].COUNTRIES`); `nullable` lists the paths that may be null where
 * the sample has a value. A sample null says nothing of the type, so any value matches it; an empty
 * array in the reply has no items to compare.
 */
export function shapeMismatches(
  actual: unknown,
  sample: unknown,
  nullable: ReadonlySet<string> = new Set(),
  path = '',
): string[] {
  const at = path === '' ? '(root)' : path;
  const expected = jsonType(sample);
  const found = jsonType(actual);
  if (expected === 'null') return [];
  if (found === 'null') return nullable.has(path) ? [] : [`${at}: null where the sample has ${expected}`];
  if (found !== expected) return [`${at}: ${found} where the sample has ${expected}`];
  const child = (key: string) => (path === '' ? key : `${path}.${key}`);
  if (expected === 'object') {
    const a = actual as Record<string, unknown>;
    const s = sample as Record<string, unknown>;
    return [
      ...Object.keys(s)
        .filter((key) => !(key in a))
        .map((key) => `${child(key)}: missing`),
      ...Object.keys(a)
        .filter((key) => !(key in s))
        .map((key) => `${child(key)}: not in the documented sample`),
      ...Object.keys(s)
        .filter((key) => key in a)
        .flatMap((key) => shapeMismatches(a[key], s[key], nullable, child(key))),
    ];
  }
  if (expected === 'array') {
    const [first] = sample as unknown[];
    if (first === undefined) return [];
    return (actual as unknown[]).flatMap((item) => shapeMismatches(item, first, nullable, `${path}[]`));
  }
  return [];
}

/** The same comparison, named for the replies: no difference allowed. */
export const shapeDifferences = shapeMismatches;

export function expectDocumentedShape(
  actual: unknown,
  sample: unknown,
  nullable?: ReadonlySet<string>,
): void {
  expect(shapeMismatches(actual, sample, nullable)).toEqual([]);
}
