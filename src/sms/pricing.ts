/**
 * Estimated SMS prices: a price per part, by provider and destination country, from SMS_PRICES. A
 * message is priced at enqueue with the "default" provider's rows; a provider that reports what it
 * charged overrides the estimate once sent.
 */

/** provider name ("default" for any) -> ISO alpha-2 country ("*" for any) -> price of one part. */
export type PriceTable = Readonly<Record<string, Readonly<Record<string, number>>>>;

export const DEFAULT_PROVIDER = 'default';
export const ANY_COUNTRY = '*';

/** The column is numeric(12, 6): estimates are rounded to what it keeps. */
const PRICE_DECIMALS = 6;

export interface PriceLookup {
  provider?: string;
  /** ISO 3166 alpha-2 of the destination, when known. */
  country: string | undefined;
}

/**
 * The most specific price: the provider's own row for the country, then its "*", then the
 * "default" provider's row for the country, then its "*". Undefined when nothing matches.
 */
export function pricePerPart(table: PriceTable, { provider, country }: PriceLookup): number | undefined {
  const tables = [provider, DEFAULT_PROVIDER]
    .filter((name): name is string => name !== undefined)
    .map((name) => (Object.hasOwn(table, name) ? table[name] : undefined));
  for (const rows of tables) {
    if (rows === undefined) continue;
    if (country !== undefined && Object.hasOwn(rows, country)) return rows[country];
    if (Object.hasOwn(rows, ANY_COUNTRY)) return rows[ANY_COUNTRY];
  }
  return undefined;
}

/** The price of a message of `parts` parts, or undefined when the table has no price for it. */
export function priceOf(table: PriceTable, parts: number, lookup: PriceLookup): number | undefined {
  const perPart = pricePerPart(table, lookup);
  if (perPart === undefined) return undefined;
  return Number((perPart * parts).toFixed(PRICE_DECIMALS));
}

/** Checks a parsed SMS_PRICES value; throws a TypeError saying what is wrong with it. */
export function readPriceTable(value: unknown): PriceTable {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value))
    throw new TypeError('must be a JSON object of providers, e.g. {"default": {"*": 0.05}}');
  const table: Record<string, Record<string, number>> = {};
  for (const [provider, rows] of Object.entries(value)) {
    if (!isObject(rows)) throw new TypeError(`provider "${provider}" must map countries to prices`);
    const prices: Record<string, number> = {};
    for (const [country, price] of Object.entries(rows)) {
      if (country !== ANY_COUNTRY && !/^[A-Z]{2}$/.test(country)) {
        throw new TypeError(
          `"${provider}" names "${country}": countries are ISO alpha-2 in capitals, or "*"`,
        );
      }
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
        throw new TypeError(
          `"${provider}"."${country}" must be a price of zero or more, got ${JSON.stringify(price)}`,
        );
      }
      prices[country] = price;
    }
    table[provider] = prices;
  }
  return table;
}
