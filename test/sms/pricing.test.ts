import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { priceOf, pricePerPart, readPriceTable } from '../../src/sms/pricing.js';

const table = readPriceTable({ default: { '*': 0.05, IR: 0.012 }, twilio: { US: 0.0079 } });
const config = (env: Record<string, string>) =>
  loadConfig({ DATA_DIR: '/tmp/otpgate-pricing-test', CODE_SECRET: 'x'.repeat(32), ...env });

describe('SMS pricing', () => {
  it('prices a part by the provider and country row first, then the wider rows', () => {
    expect(pricePerPart(table, { provider: 'twilio', country: 'US' })).toBe(0.0079);
    expect(pricePerPart(table, { provider: 'twilio', country: 'IR' })).toBe(0.012);
    expect(pricePerPart(table, { country: 'IR' })).toBe(0.012);
    expect(pricePerPart(table, { country: 'AE' })).toBe(0.05);
    expect(pricePerPart(table, { country: undefined })).toBe(0.05);
  });

  it('prices a message as its parts times the part price, kept to six decimals', () => {
    expect(priceOf(table, 3, { provider: 'twilio', country: 'US' })).toBe(0.0237);
    expect(priceOf(table, 2, { country: 'IR' })).toBe(0.024);
  });

  it('leaves a message unpriced when no row matches', () => {
    expect(priceOf({}, 2, { country: 'IR' })).toBeUndefined();
    expect(priceOf({ default: { IR: 0.01 } }, 1, { country: 'AE' })).toBeUndefined();
  });

  it('reads SMS_PRICES and SMS_CURRENCY from the environment, unpriced in USD by default', () => {
    expect(config({}).smsPrices).toEqual({});
    expect(config({}).smsCurrency).toBe('USD');
    const priced = config({ SMS_PRICES: '{"default": {"*": 0.05, "IR": 0.012}}', SMS_CURRENCY: 'EUR' });
    expect(priced.smsPrices).toEqual({ default: { '*': 0.05, IR: 0.012 } });
    expect(priced.smsCurrency).toBe('EUR');
  });

  it('refuses to start on an SMS_PRICES that is not JSON or not a price table, naming the variable', () => {
    expect(() => config({ SMS_PRICES: '{default: 1' })).toThrow(ConfigError);
    expect(() => config({ SMS_PRICES: '{default: 1' })).toThrow(/SMS_PRICES is not valid JSON/);
    expect(() => config({ SMS_PRICES: '[1]' })).toThrow(/SMS_PRICES must be a JSON object/);
    expect(() => config({ SMS_PRICES: '{"default": {"iran": 0.01}}' })).toThrow(/ISO alpha-2/);
    expect(() => config({ SMS_PRICES: '{"default": {"IR": -1}}' })).toThrow(/zero or more/);
    expect(() => config({ SMS_PRICES: '{"default": {"IR": "0.01"}}' })).toThrow(/zero or more/);
    expect(() => config({ SMS_CURRENCY: 'dollars' })).toThrow(/SMS_CURRENCY/);
  });
});
