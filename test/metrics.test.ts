import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { SmsError, type OutgoingSms } from '../src/sms/provider.js';
import { backends } from './support/database.js';
import { AUTH, CLIENT_KEY, startHarness, uniqueEmail, uniquePhone, type Harness } from './support/harness.js';
import { queueText, ScriptedProvider } from './sms/dispatch/helpers.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const SECRET = 'test-secret-that-is-long-enough-0123456789';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/** Routed to the provider that always fails (SMS_ROUTES below). */
const US_NUMBER = '+12025550143';

/** Prometheus' own linter (Debian's `prometheus` package; .ci/run installs it where apt can). */
const promtoolMissing =
  spawnSync('promtool', ['--version']).error === undefined
    ? false
    : 'skipped: promtool is not installed (apt-get install prometheus)';

/** The value of one sample whose labels are exactly these; undefined when the exposition has none. */
function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const present = (match[2] ?? '').split(',').filter(Boolean).sort().join(',');
    if (present === wanted) return Number(match[3]);
  }
  return undefined;
}

/** Every label value in the exposition. */
function labelValuesOf(text: string): string[] {
  return [...text.matchAll(/[a-z_]+="([^"]*)"/g)].map((match) => match[1] ?? '');
}

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`metrics on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    const primary = new ScriptedProvider('primary', [
      (message: OutgoingSms) => ({ providerRef: `ref-${message.id}`, parts: 1 }),
    ]);
    const failing = new ScriptedProvider('failing', [new SmsError('unavailable', 'provider down')]);

    beforeAll(async () => {
      h = await startHarness(
        backend,
        {
          METRICS_TOKEN: TOKEN,
          SMS_ROUTES: '+1=failing;*=primary',
          MAX_FAILED_CHECKS_PER_PHONE: '3',
          RATE_LIMIT_PHONE_PER_MINUTE: '6',
        },
        { providers: [primary, failing] },
      );
    });
    afterAll(async () => h?.close());

    const post = (url: string, payload: object) =>
      h.app.http.inject({ method: 'POST', url, headers: AUTH, payload });
    const scrape = async () => {
      const reply = await h.app.http.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(reply.statusCode).toBe(200);
      expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      return reply.body;
    };
    /** Sends what is due, then reads the code in the last text to a number. */
    const codeSentTo = async (phone: string) => {
      await h.app.dispatcher.drain();
      const text = primary.sent.filter((sms) => sms.to === phone).at(-1)?.text ?? '';
      const code = /\b(\d{6})\b/.exec(text)?.[1];
      if (code === undefined) throw new Error(`no code texted to ${phone}`);
      return code;
    };

    it('counts a registration, a wrong code, the right code and the SMS that carried it', async () => {
      const phone = uniquePhone();
      const created = await post('/v1/customers', {
        nameEn: 'Layla Haddad',
        email: uniqueEmail(),
        phone,
        password: 'correct horse battery',
      });
      expect(created.statusCode).toBe(201);
      const id = created.json().verification.id as string;
      const queued = await scrape();
      expect(sampleOf(queued, 'otpgate_sms_outbox', { status: 'queued' })).toBe(1);
      expect(sampleOf(queued, 'otpgate_sms_outbox', { status: 'sending' })).toBe(0);

      const code = await codeSentTo(phone);
      const wrong = code === '000000' ? '111111' : '000000';
      expect((await post(`/v1/verifications/${id}/check`, { code: wrong })).json().valid).toBe(false);
      expect((await post(`/v1/verifications/${id}/check`, { code })).json().valid).toBe(true);

      const text = await scrape();
      expect(sampleOf(text, 'otpgate_verifications_started_total', { purpose: 'signup' })).toBe(1);
      expect(sampleOf(text, 'otpgate_verification_checks_total', { result: 'wrong_code' })).toBe(1);
      expect(sampleOf(text, 'otpgate_verification_checks_total', { result: 'approved' })).toBe(1);
      expect(sampleOf(text, 'otpgate_verification_checks_total', { result: 'refused' })).toBe(0);
      expect(sampleOf(text, 'otpgate_phone_lockouts_total')).toBe(0);
      expect(sampleOf(text, 'otpgate_sms_total', { outcome: 'sent', provider: 'primary' })).toBe(1);
      expect(sampleOf(text, 'otpgate_sms_outbox', { status: 'queued' })).toBe(0);
      expect(sampleOf(text, 'otpgate_sms_provider_circuit_open', { provider: 'primary' })).toBe(0);
      expect(sampleOf(text, 'otpgate_sms_provider_circuit_open', { provider: 'failing' })).toBe(0);
      expect(
        sampleOf(text, 'otpgate_http_request_duration_seconds_count', {
          method: 'POST',
          route: '/v1/verifications/:id/check',
          status_code: '200',
        }),
      ).toBe(2);
      expect(
        sampleOf(text, 'otpgate_http_request_duration_seconds_count', {
          method: 'POST',
          route: '/v1/customers',
          status_code: '201',
        }),
      ).toBe(1);
      expect(sampleOf(text, 'otpgate_process_cpu_user_seconds_total')).toBeGreaterThan(0);

      // Neither the number, the code nor a key is ever a label; the number and keys appear nowhere at all.
      for (const value of labelValuesOf(text)) {
        for (const secret of [phone, code, CLIENT_KEY, TOKEN]) expect(value).not.toContain(secret);
      }
      for (const secret of [phone, phone.slice(1), CLIENT_KEY, TOKEN]) expect(text).not.toContain(secret);
      expect(text).not.toMatch(UUID);
    });

    it('labels a request with its route pattern, never its URL, ids or query', async () => {
      const id = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';
      const missing = await h.app.http.inject({
        method: 'GET',
        url: `/v1/verifications/${id}?note=private-note`,
        headers: AUTH,
      });
      expect(missing.statusCode).toBe(404);
      expect((await h.app.http.inject({ method: 'GET', url: `/nowhere/${id}` })).statusCode).toBe(404);

      const text = await scrape();
      const labels = { method: 'GET', status_code: '404' };
      expect(
        sampleOf(text, 'otpgate_http_request_duration_seconds_count', {
          ...labels,
          route: '/v1/verifications/:id',
        }),
      ).toBe(1);
      expect(
        sampleOf(text, 'otpgate_http_request_duration_seconds_count', { ...labels, route: 'unmatched' }),
      ).toBe(1);
      expect(text).not.toMatch(UUID);
      expect(text).not.toContain('private-note');
      expect(text).not.toContain('/nowhere');
    });

    it('counts a lock-out, a refused check, and refusals by the send window and by the phone limit', async () => {
      const before = await scrape();
      const locked = uniquePhone();
      const id = (await post('/v1/verifications', { to: locked, purpose: 'login' })).json().id as string;
      const code = await codeSentTo(locked);
      const wrong = code === '555555' ? '666666' : '555555';
      for (let i = 0; i < 3; i++) await post(`/v1/verifications/${id}/check`, { code: wrong });
      const refused = await post(`/v1/verifications/${id}/check`, { code });
      expect(refused.json().error.code).toBe('phone_locked');

      // Six a minute per phone and five texts per window: the sixth start meets the window, the seventh the limit.
      const busy = uniquePhone();
      const codes: string[] = [];
      for (let i = 0; i < 7; i++) {
        const reply = await post('/v1/verifications', { to: busy, purpose: 'login' });
        codes.push(reply.statusCode === 201 ? 'created' : (reply.json().error.code as string));
      }
      expect(codes).toEqual([...Array(5).fill('created'), 'too_many_sends', 'rate_limited']);

      const after = await scrape();
      const change = (name: string, labels: Record<string, string> = {}) =>
        (sampleOf(after, name, labels) ?? 0) - (sampleOf(before, name, labels) ?? 0);
      expect(change('otpgate_phone_lockouts_total')).toBe(1);
      expect(change('otpgate_verification_checks_total', { result: 'wrong_code' })).toBe(3);
      expect(change('otpgate_verification_checks_total', { result: 'refused' })).toBe(1);
      expect(change('otpgate_verifications_started_total', { purpose: 'login' })).toBe(6);
      expect(change('otpgate_rate_limited_total', { limit: 'send_window' })).toBe(1);
      expect(change('otpgate_rate_limited_total', { limit: 'phone' })).toBe(1);
      expect(change('otpgate_rate_limited_total', { limit: 'ip' })).toBe(0);
    });

    it('counts delivery receipts, and shows the queue and the open circuit of a failing provider', async () => {
      const delivered = await queueText(h, { to: uniquePhone(), text: 'Hello', expiresInMinutes: 10 });
      for (let i = 0; i < 3; i++) {
        await queueText(h, { to: US_NUMBER, text: `Notice ${i}`, expiresInMinutes: 10 });
      }
      const before = await scrape();
      await h.app.dispatcher.drain();
      primary.emit({ providerRef: `ref-${delivered}`, status: 'delivered' });
      await h.app.dispatcher.drain();

      const text = await scrape();
      expect(sampleOf(text, 'otpgate_sms_receipts_total', { status: 'delivered', provider: 'primary' })).toBe(
        1,
      );
      // Three failures in a row open the circuit; the messages wait for a retry, blamed on no single provider.
      expect(sampleOf(text, 'otpgate_sms_provider_circuit_open', { provider: 'failing' })).toBe(1);
      expect(sampleOf(text, 'otpgate_sms_provider_circuit_open', { provider: 'primary' })).toBe(0);
      expect(
        (sampleOf(text, 'otpgate_sms_total', { outcome: 'retry', provider: 'none' }) ?? 0) -
          (sampleOf(before, 'otpgate_sms_total', { outcome: 'retry', provider: 'none' }) ?? 0),
      ).toBe(3);
      expect(sampleOf(text, 'otpgate_sms_outbox', { status: 'queued' })).toBe(3);
      expect(text).not.toContain(US_NUMBER.slice(1));
    });

    it.skipIf(promtoolMissing !== false)(
      `passes promtool check metrics, every series filled in${promtoolMissing ? ` — ${promtoolMissing}` : ''}`,
      async () => {
        // After the tests above: requests, checks, lock-outs, limits, SMS outcomes and receipts all have samples.
        const check = spawnSync('promtool', ['check', 'metrics'], {
          input: await scrape(),
          encoding: 'utf8',
        });
        expect(check.stdout + check.stderr).toBe('');
        expect(check.status).toBe(0);
      },
    );

    it('does not serve /metrics at all when METRICS_TOKEN is unset', async () => {
      // A second app on the same, already migrated database: cheap, and its close leaves the database open.
      const app = await buildApp({
        config: loadConfig({ DATA_DIR: h.dataDir, CODE_SECRET: SECRET, LOG_LEVEL: 'silent' }),
        database: h.app.database,
        providers: [new ScriptedProvider('spare', [{ providerRef: 'spare-ref', parts: 1 }])],
        startDispatcher: false,
      });
      try {
        expect((await app.http.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      } finally {
        await app.close();
      }
    });

    it('answers /metrics only with the token, and leaves it out of the OpenAPI document', async () => {
      for (const headers of [{}, { authorization: 'Bearer not-the-metrics-token' }, AUTH]) {
        const reply = await h.app.http.inject({ method: 'GET', url: '/metrics', headers });
        expect(reply.statusCode).toBe(401);
        expect(reply.headers['www-authenticate']).toBe('Bearer');
        expect(reply.body).not.toContain('otpgate_');
      }
      const openapi = await h.app.http.inject({ method: 'GET', url: '/openapi.json' });
      expect(Object.keys(openapi.json().paths as object)).not.toContain('/metrics');
    });
  });
}

describe('METRICS_TOKEN', () => {
  it('refuses a token short enough to guess', () => {
    const env = { CODE_SECRET: SECRET, DATA_DIR: '/nonexistent' };
    expect(() => loadConfig({ ...env, METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(loadConfig({ ...env, METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
  });
});
