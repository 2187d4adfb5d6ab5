/** Compares a reply with a documented sample: the same keys at every level, each of the sample's JSON type. */

type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
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
  const compatible = found === expected || (expected === 'number' && found === 'integer');
  if (!compatible) return [`${at}: ${found} where the sample has ${expected}`];
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
