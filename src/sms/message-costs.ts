/** The SMS side's answer to the domain's MessageCosts port: GSM-7 / UCS-2 parts, and SMS_PRICES' estimate. */
import type { MessageCosts } from '../domain/ports.js';
import { countryOf } from '../domain/phones.js';
import { countParts } from './encoding.js';
import { priceOf, type PriceTable } from './pricing.js';

export function createMessageCosts(prices: PriceTable, currency: string): MessageCosts {
  return {
    costOf(text, to) {
      const { encoding, parts } = countParts(text);
      const amount = priceOf(prices, parts, { country: countryOf(to) });
      return { encoding, parts, price: amount === undefined ? undefined : { amount, currency } };
    },
  };
}
