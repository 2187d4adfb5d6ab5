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
});
