/** The console's domain objects -> wire objects: every moment as an ISO 8601 string, the rest as it is. */

export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export function toWire<T>(value: T): Wire<T> {
  if (value instanceof Date) return value.toISOString() as Wire<T>;
  if (Array.isArray(value)) return value.map((item: unknown) => toWire(item)) as Wire<T>;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toWire(item)])) as Wire<T>;
  }
  return value as Wire<T>;
}

export const dateOf = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso));
export const limitOf = (raw: string | undefined) => (raw === undefined ? undefined : Number(raw));
