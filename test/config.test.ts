import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const dataDir = () => mkdtempSync(join(tmpdir(), 'otpgate-config-'));

describe('configuration', () => {
  it('starts with defaults: port 8080, 6-digit codes valid 10 minutes, 5 checks, 5 sends per 10 minutes', () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config.port).toBe(8080);
    expect(config.verification).toMatchObject({
      codeLength: 6,
      ttlSeconds: 600,
      maxChecks: 5,
      maxSendsPerPhone: 5,
      sendWindowSeconds: 600,
    });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('generates the code secret into the data dir once in development and reuses it', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir }).codeSecret;
    expect(readFileSync(join(dir, 'code-secret'), 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ DATA_DIR: dir }).codeSecret.equals(first)).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ CODE_LENGTH: '12' }, 'CODE_LENGTH'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ BOOTSTRAP_CLIENT: 'nocolon' }, 'BOOTSTRAP_CLIENT'],
    [{ BOOTSTRAP_CLIENT: 'app:key-0123456789abcdef:bad tenant' }, 'BOOTSTRAP_CLIENT'],
    [{ FACES_WITHOUT_AUTH_TENANT: 'no/slash' }, 'FACES_WITHOUT_AUTH_TENANT'],
    [{ SMS_TEMPLATES: '{"otp":{"login":{"en":"no code here"}}}' }, 'SMS_TEMPLATES'],
    [{ TEST_NUMBERS: '+15005550006:12' }, 'TEST_NUMBERS'],
    [{ FACES_WITHOUT_AUTH: 'native' }, 'FACES_WITHOUT_AUTH'],
    [{ WEBOTP_DOMAIN: 'a..com' }, 'WEBOTP_DOMAIN'],
    [{ TRUST_PROXY: 'everyone' }, 'TRUST_PROXY'],
    [{ SMS_COUNTRIES: 'AE,XX' }, 'SMS_COUNTRIES'],
    [{ GUARD_PREFIX_DIGITS: '2,x' }, 'GUARD_PREFIX_DIGITS'],
    [{ GUARD_MIN_CONVERSION_PERCENT: '0' }, 'GUARD_MIN_CONVERSION_PERCENT'],
    [{ GUARD_BLOCKED_PREFIXES: '882' }, 'GUARD_BLOCKED_PREFIXES'],
    [{ SEND_BUDGET_COUNTRY_PER_HOUR: '1000,ZZ:5' }, 'SEND_BUDGET_COUNTRY_PER_HOUR'],
    [{ COUNTRY_LOCALES: 'EG=fr' }, 'COUNTRY_LOCALES'],
    [{ COUNTRY_LOCALES: 'egypt=en' }, 'COUNTRY_LOCALES'],
    [
      { SMS_TEMPLATES: '{"tenants":{"acme":{"otp":{"login":{"en":"no code"}}}}}' },
      'tenants.acme.otp.login.en',
    ],
  ])('refuses %j with a message naming %s', (env, name) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(name);
  });

  it('reads BOOTSTRAP_CLIENT as code:key, a tenant of its own, or code:key:tenant', () => {
    const key = 'key-0123456789abcdef';
    expect(loadConfig({ DATA_DIR: dataDir(), BOOTSTRAP_CLIENT: `app:${key}` }).bootstrapClient).toEqual({
      code: 'app',
      key,
      tenant: 'app',
    });
    expect(loadConfig({ DATA_DIR: dataDir(), BOOTSTRAP_CLIENT: `app:${key}:acme` }).bootstrapClient).toEqual({
      code: 'app',
      key,
      tenant: 'acme',
    });
  });

  it('has no console without ADMIN_KEY, and refuses a key shorter than 24 characters or with spaces', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).adminKey).toBeUndefined();
    const key = 'a-console-key-of-24-char';
    expect(loadConfig({ DATA_DIR: dataDir(), ADMIN_KEY: key }).adminKey).toBe(key);
    for (const bad of ['too-short-0123456789', 'a console key with spaces in it']) {
      expect(() => loadConfig({ DATA_DIR: dataDir(), ADMIN_KEY: bad })).toThrow(
        /ADMIN_KEY must be at least 24/,
      );
    }
  });

  it('refuses a code-secret file too short to key the codes', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'code-secret'), 'short\n');
    expect(() => loadConfig({ DATA_DIR: dir })).toThrow('fewer than 32 characters');
  });

  it('refuses production without a code secret or a real SMS provider', () => {
    expect(() =>
      loadConfig({
        DATA_DIR: dataDir(),
        NODE_ENV: 'production',
        SMS_PROVIDERS: 'smpp://id:pw@127.0.0.1:2775',
      }),
    ).toThrow('CODE_SECRET');
    expect(() =>
      loadConfig({ DATA_DIR: dataDir(), NODE_ENV: 'production', CODE_SECRET: 'x'.repeat(40) }),
    ).toThrow('SMS_PROVIDERS');
  });

  it('refuses TRUST_PROXY=true in production (name the proxies), and takes their addresses', () => {
    const production = {
      DATA_DIR: dataDir(),
      NODE_ENV: 'production',
      CODE_SECRET: 'production-secret-0123456789abcdef0123',
      SMS_PROVIDERS: 'twilio://AC123:token@api.twilio.com?from=%2B15005550006',
    };
    expect(() => loadConfig({ ...production, TRUST_PROXY: 'true' })).toThrow(
      "TRUST_PROXY must name the proxies' addresses/CIDRs when NODE_ENV=production",
    );
    expect(loadConfig({ ...production, TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toBe('10.0.0.0/8');
    expect(loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('reads the send guard: every country, 2, 3 and 5 digits, 20 unconverted, 10%, 12 h, 10,000 a day', () => {
    const { sendGuard } = loadConfig({ DATA_DIR: dataDir() });
    expect(sendGuard).toMatchObject({
      smsCountries: '*',
      prefixDigits: [2, 3, 5],
      windowSeconds: 3600,
      maxUnconverted: 20,
      minConversionPercent: 10,
      blockSeconds: 43_200,
      tenantSendsPerDay: 10_000,
      countrySendsPerHour: 1000,
    });
    const narrowed = loadConfig({
      DATA_DIR: dataDir(),
      SMS_COUNTRIES: 'ae, sa,IR',
      SEND_BUDGET_COUNTRY_PER_HOUR: '500,IR:50',
      GUARD_BLOCKED_PREFIXES: '+882,+883',
    }).sendGuard;
    expect(narrowed.smsCountries).toEqual(new Set(['AE', 'SA', 'IR']));
    expect(narrowed.countrySendsPerHour).toBe(500);
    expect(narrowed.countrySendsPerHourOverrides).toEqual(new Map([['IR', 50]]));
    expect(narrowed.blockedPrefixes).toEqual(['+882', '+883']);
  });

  it('reports every problem at once, each naming its variable', () => {
    let error: unknown;
    try {
      loadConfig({
        DATA_DIR: dataDir(),
        PORT: 'eighty',
        MAX_CHECKS: '0',
        REDIS_URL: 'http://x',
        CODE_LENGTH: '3',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((problem) => problem.split(' ')[0])).toEqual([
      'PORT',
      'CODE_LENGTH',
      'REDIS_URL',
      'MAX_CHECKS',
    ]);
    expect(message).toMatch(/^Invalid configuration \(4 problems\):\n {2}- PORT /);
  });

  it("refuses in production the README's example key and any client key under 24 characters", () => {
    const production = {
      DATA_DIR: dataDir(),
      NODE_ENV: 'production',
      CODE_SECRET: 'x'.repeat(40),
      SMS_PROVIDERS: 'smpp://id:pw@127.0.0.1:2775',
    };
    expect(() =>
      loadConfig({ ...production, BOOTSTRAP_CLIENT: 'myapp:change-me-to-a-long-random-key' }),
    ).toThrow("BOOTSTRAP_CLIENT has the README's example key");
    expect(() => loadConfig({ ...production, BOOTSTRAP_CLIENT: `myapp:${'k'.repeat(24)}` })).not.toThrow();
    expect(() => loadConfig({ ...production, BOOTSTRAP_CLIENT: `myapp:${'k'.repeat(23)}` })).toThrow(
      'a key of 23 characters: at least 24',
    );
    // Outside production the example key starts the service, as the README's first run does.
    expect(
      loadConfig({ DATA_DIR: dataDir(), BOOTSTRAP_CLIENT: 'myapp:change-me-to-a-long-random-key' }),
    ).toBeDefined();
  });

  it('drains 5 s before a production shutdown, none in development, as SHUTDOWN_DRAIN_SECONDS says', () => {
    const production = {
      NODE_ENV: 'production',
      CODE_SECRET: 'x'.repeat(40),
      SMS_PROVIDERS: 'smpp://a:b@h:1',
    };
    expect(loadConfig({ DATA_DIR: dataDir(), ...production }).shutdownDrainSeconds).toBe(5);
    expect(loadConfig({ DATA_DIR: dataDir() }).shutdownDrainSeconds).toBe(0);
    expect(loadConfig({ DATA_DIR: dataDir(), SHUTDOWN_DRAIN_SECONDS: '12' }).shutdownDrainSeconds).toBe(12);
  });
});
