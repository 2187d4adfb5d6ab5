/**
 * SSRF: where a client's webhook may point. In production (or with WEBHOOK_ALLOW_PRIVATE_URLS=false) no
 * loopback, private or link-local target, whether named in the URL or reached through a host name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isPublicAddress, webhookUrlProblem } from '../../src/domain/webhook-targets.js';
import { createWebhookTransport, RefusedTarget } from '../../src/client-webhooks/transport.js';
import {
  startClientWebhookReceiver,
  type ClientWebhookReceiver,
} from '../support/client-webhook-receiver.js';

const strict = { allowPrivate: false };

describe('webhook targets', () => {
  let receiver: ClientWebhookReceiver;
  beforeAll(async () => {
    receiver = await startClientWebhookReceiver();
  });
  afterAll(async () => receiver?.close());

  it('tells public addresses from loopback, private, link-local and mapped ones', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) {
      expect(isPublicAddress(address)).toBe(true);
    }
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not an address',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  it('refuses private, loopback and credential-carrying URLs unless private targets are allowed', () => {
    expect(webhookUrlProblem('https://hooks.example.com/otpgate', strict)).toBeUndefined();
    for (const url of [
      'http://hooks.example.com/otpgate',
      'https://127.0.0.1/x',
      'https://2130706433/x',
      'https://[::1]/x',
      'https://[::ffff:169.254.169.254]/x',
      'https://169.254.169.254/latest/meta-data',
      'https://localhost/x',
      'https://intranet/x',
    ]) {
      expect(webhookUrlProblem(url, strict), url).toBeDefined();
    }
    expect(webhookUrlProblem('http://127.0.0.1:8080/x', { allowPrivate: true })).toBeUndefined();
    expect(webhookUrlProblem('https://u:p@example.com/', { allowPrivate: true })).toBeDefined();
    expect(webhookUrlProblem('ftp://example.com/', { allowPrivate: true })).toBeDefined();
    expect(webhookUrlProblem('not a url', { allowPrivate: true })).toBeDefined();
  });

  it('allows private targets by default only outside production', () => {
    const env = { CODE_SECRET: 'test-secret-that-is-long-enough-0123456789', DATA_DIR: '/tmp' };
    expect(loadConfig(env).clientWebhooks.allowPrivateTargets).toBe(true);
    const production = { ...env, NODE_ENV: 'production', SMS_PROVIDERS: 'http://gw.example.com' };
    expect(loadConfig(production).clientWebhooks.allowPrivateTargets).toBe(false);
    expect(
      loadConfig({ ...production, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }).clientWebhooks.allowPrivateTargets,
    ).toBe(true);
    expect(() => loadConfig({ ...env, WEBHOOK_ALLOW_PRIVATE_URLS: 'yes' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE_URLS/,
    );
  });

  it('refuses at delivery an address in the URL and a host name that resolves to loopback', async () => {
    const guarded = createWebhookTransport({ timeoutMs: 2000, allowPrivateTargets: false });
    const open = createWebhookTransport({ timeoutMs: 2000, allowPrivateTargets: true });
    const post = (url: string) => ({ url, headers: { 'content-type': 'application/json' }, body: '{}' });
    try {
      await expect(guarded.post(post(receiver.url))).rejects.toBeInstanceOf(RefusedTarget);
      const byName = receiver.url.replace('127.0.0.1', 'localhost');
      await expect(guarded.post(post(byName))).rejects.toThrow(/loopback, private or link-local/);
      expect(receiver.posts).toHaveLength(0);
      // The same receiver, with private targets allowed (development), takes the post.
      expect(await open.post(post(byName))).toBe(200);
      expect(receiver.posts).toHaveLength(1);
    } finally {
      await guarded.close();
      await open.close();
    }
  });
});
