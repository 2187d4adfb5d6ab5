import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { planSmsProviders } from '../../../src/sms/providers/index.js';
import { parseSmsRoutes } from '../../../src/sms/routing.js';
import { ScriptedProvider } from './helpers.js';

const TWILIO = `twilio://AC${'0123456789abcdef'.repeat(2)}:tw-secret-token@?from=%2B15550001111`;
const VONAGE = 'vonage://key:vonage-secret@?from=OTPGATE';
const SMPP = 'smpp://otpgate:smpp-pw@smsc.example.net:2775?source_addr=OTPGATE';
const HTTP = 'http://?url=https%3A%2F%2Fgw.example.net%2Fsend%3Fto%3D%7Bto%7D%26text%3D%7Btext%7D';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('SMS_PROVIDERS', () => {
  it('names SMPP accounts smpp-1, smpp-2 and the others by kind, numbering the second of a kind', () => {
    const names = planSmsProviders([SMPP, TWILIO, SMPP.replace('smpp:', 'smpps:'), TWILIO, VONAGE, HTTP]).map(
      (plan) => plan.name,
    );
    expect(names).toEqual(['smpp-1', 'twilio', 'smpp-2', 'twilio-2', 'vonage', 'http']);
  });

  it('takes the name written after a # at the end of the URL', () => {
    expect(planSmsProviders([`${SMPP}#local-smsc`, `${TWILIO}#twilio-us`]).map((plan) => plan.name)).toEqual([
      'local-smsc',
      'twilio-us',
    ]);
  });

  it('accepts https:// for an http gateway, reading the gateway address from url=', () => {
    expect(planSmsProviders([HTTP.replace('http:', 'https:')])).toMatchObject([
      { name: 'http', kind: 'http' },
    ]);
  });

  it('stops the start on an unknown scheme, naming the entry and the scheme', () => {
    const error = configError(() => planSmsProviders([TWILIO, 'ftp://user:ftp-secret@host']));
    expect(error.message).toContain('SMS_PROVIDERS');
    expect(error.message).toContain('entry 2');
    expect(error.message).toContain('ftp://');
    expect(error.message).not.toContain('ftp-secret');
  });

  it('stops the start on a bad URL, naming the entry and the problem without repeating its secrets', () => {
    const error = configError(() => planSmsProviders([TWILIO, 'smpp://otpgate:smpp-pw@:2775?tps=fast']));
    expect(error.message).toMatch(/SMS_PROVIDERS entry 2 \(smpp-1\): Invalid SMPP URL/);
    expect(error.message).not.toContain('smpp-pw');
    expect(configError(() => planSmsProviders([`${TWILIO}&colour=red`])).message).toContain(
      "unknown parameter 'colour'",
    );
  });

  it('refuses to start in production with a Vonage provider whose receipts are not signed', async () => {
    const error = configError(() => planSmsProviders([TWILIO, VONAGE], { production: true }));
    expect(error.message).toMatch(
      /SMS_PROVIDERS entry 2 \(vonage\): .*signature_secret is required when NODE_ENV=production/,
    );
    expect(error.message).not.toContain('vonage-secret');
    expect(() => planSmsProviders([`${VONAGE}&unsigned_receipts=accept`], { production: true })).toThrow(
      ConfigError,
    );
    expect(
      planSmsProviders([`${VONAGE}&signature_secret=receipt-secret`], { production: true }),
    ).toHaveLength(1);
    await expect(
      buildApp({
        config: loadConfig({
          NODE_ENV: 'production',
          CODE_SECRET: 'test-secret-that-is-long-enough-0123456789',
          SMS_PROVIDERS: VONAGE,
        }),
      }),
    ).rejects.toThrow(ConfigError);
  });

  it('refuses unsigned HTTP gateway receipts in production, and takes them elsewhere only when allowed', () => {
    const gateway = `http://?url=${encodeURIComponent('https://gw.example.net/send?to={to}&text={text}')}`;
    const unsigned = `${gateway}&receipt_statuses=ok:delivered&unsigned_receipts=accept`;

    expect(configError(() => planSmsProviders([unsigned], { production: true })).message).toMatch(
      /entry 1 \(http\): .*unsigned receipts are refused when NODE_ENV=production/,
    );
    expect(planSmsProviders([unsigned])).toHaveLength(1);
    expect(configError(() => planSmsProviders([`${gateway}&receipt_statuses=ok:delivered`])).message).toMatch(
      /need 'receipts.token'/,
    );
  });

  it('refuses in production a provider that calls back when PUBLIC_URL is not set (it would call localhost)', () => {
    const production = { production: true, publicUrlGiven: false };
    expect(configError(() => planSmsProviders([TWILIO], production)).message).toMatch(
      /entry 1 \(twilio\): twilio sends delivery receipts to PUBLIC_URL.*set PUBLIC_URL/,
    );
    expect(planSmsProviders([SMPP], production)).toHaveLength(1);
    expect(planSmsProviders([TWILIO], { production: true, publicUrlGiven: true })).toHaveLength(1);
    expect(planSmsProviders([TWILIO], { publicUrlGiven: false })).toHaveLength(1);
  });

  it('refuses two providers with the same name', () => {
    expect(configError(() => planSmsProviders([`${SMPP}#main`, `${TWILIO}#main`])).message).toContain(
      'used twice',
    );
  });

  it('refuses to build the app with a bad SMS_PROVIDERS or an SMS_ROUTES naming an unknown provider', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-registry-'));
    const env = { DATA_DIR: dataDir, CODE_SECRET: 'test-secret-that-is-long-enough-0123456789' };
    try {
      await expect(
        buildApp({ config: loadConfig({ ...env, SMS_PROVIDERS: 'pigeon://coop' }) }),
      ).rejects.toThrow(/SMS_PROVIDERS entry 1 has unknown scheme pigeon/);
      await expect(
        buildApp({ config: loadConfig({ ...env, SMS_PROVIDERS: TWILIO, SMS_ROUTES: 'IR=smpp-1' }) }),
      ).rejects.toThrow(/SMS_ROUTES .*unknown provider "smpp-1"/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('SMS_ROUTES', () => {
  const local = new ScriptedProvider('smpp-1', []);
  const twilio = new ScriptedProvider('twilio', []);
  const vonage = new ScriptedProvider('vonage', []);
  const all = [local, twilio, vonage];
  const names = (list: readonly { name: string }[]) => list.map((provider) => provider.name);

  it('picks the first route that matches the number prefix or the country, in the order written', () => {
    const router = parseSmsRoutes('+98=smpp-1; IR=smpp-1,twilio; +9715=vonage; AE=twilio', all);
    expect(names(router.providersFor('+989121234567', 'IR'))).toEqual(['smpp-1']);
    expect(names(router.providersFor('+971501234567', 'AE'))).toEqual(['vonage']);
    expect(names(router.providersFor('+97142345678', 'AE'))).toEqual(['twilio']);
  });

  it('sends anything unrouted through the * list, or through SMS_PROVIDERS in order without one', () => {
    expect(names(parseSmsRoutes('IR=smpp-1;*=twilio,smpp-1', all).providersFor('+4477', 'GB'))).toEqual([
      'twilio',
      'smpp-1',
    ]);
    expect(names(parseSmsRoutes('', all).providersFor('+4477', 'GB'))).toEqual([
      'smpp-1',
      'twilio',
      'vonage',
    ]);
  });

  it('refuses routes it cannot read', () => {
    expect(() => parseSmsRoutes('iran=smpp-1', all)).toThrow(/not a \+prefix, a two-letter country/);
    expect(() => parseSmsRoutes('IR', all)).toThrow(/needs match=provider/);
    expect(() => parseSmsRoutes('IR=', all)).toThrow(/names no provider/);
    expect(() => parseSmsRoutes('IR=smpp-1;IR=twilio', all)).toThrow(/routed twice/);
    expect(() => parseSmsRoutes('IR=smpp-1,smpp-1', all)).toThrow(/twice/);
  });
});
