/**
 * The SMS-pumping attack of issue 13, in this process: 2,000 verification starts to sequential numbers in one
 * Iranian prefix from 200 rotating addresses behind the trusted proxy, never approved, interleaved with 500
 * real users in five other prefixes (one of them in the attacked +98912) who start and approve their codes.
 * At most 50 SMS may reach the attacked prefix, no real user may be refused, nothing may answer 5xx. The same
 * through the Bitel face. On PostgreSQL when a server is there (concurrent requests contend as on a real
 * deployment), else on PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACKED_PREFIX, describeFigures, runPumpingAttack } from '../../bench/pumping-attack.js';
import { backends, type Backend } from '../support/database.js';
import { AUTH, CLIENT_KEY, startHarness, type Harness } from '../support/harness.js';

const PROXY = '10.0.0.7';
const backend: Backend = (backends.find((b) => b.backend.name === 'postgres' && b.skip === false) ??
  backends[0])!.backend;

describe(`an SMS-pumping attack on ${backend.name}`, () => {
  let h: Harness;
  beforeAll(async () => {
    // The real per-IP limit (600 a minute): 200 rotating addresses stay under it, so the guard is what stops them.
    h = await startHarness(backend, {
      TRUST_PROXY: PROXY,
      RATE_LIMIT_IP_PER_MINUTE: '600',
      LOG_LEVEL: 'warn',
    });
  });
  afterAll(async () => h?.close());

  /**
   * The code of a queued message, from the dev outbox. Drains run one after another: a drain that finds
   * nothing to claim while another is sending returns at once, so after ours every earlier one has ended.
   */
  let drains = Promise.resolve();
  async function codeOf(messageId: string): Promise<string> {
    drains = drains.then(() => h.app.dispatcher.drain());
    await drains;
    const text = h.outbox().find((sms) => sms.id === messageId)?.text;
    const code = text === undefined ? undefined : /\b(\d{6})\b/.exec(text)?.[1];
    if (code === undefined) throw new Error(`message ${messageId} is not in the outbox`);
    return code;
  }

  it('lets at most 50 of 2,000 codes reach the attacked prefix, refuses no real user and never answers 5xx', async () => {
    const figures = await runPumpingAttack({
      app: h.app,
      clientKey: CLIENT_KEY,
      proxy: PROXY,
      face: 'native',
      attacks: 2000,
      attackerAddresses: 200,
      realUsers: 500,
      concurrency: 8,
      codeOf,
    });
    console.info(describeFigures(figures, 'native'));
    expect(figures.smsToAttackedPrefix).toBeLessThanOrEqual(50);
    expect(figures.realRefused).toEqual([]);
    expect(figures.realApproved).toBe(500);
    expect(figures.serverErrors).toBe(0);
    expect(figures.attacksRefused.prefix_blocked).toBeGreaterThanOrEqual(1900);

    // The decision, with its figures, in the tenant's events; the neighbour +98912 itself stayed open.
    await h.app.domain.securityEvents.settled();
    const events = await h.app.http.inject({
      method: 'GET',
      url: '/v1/events?type=prefix_blocked',
      headers: AUTH,
    });
    const blocked = events.json().data as { subject: string; summary: string }[];
    expect(blocked.map((event) => event.subject)).toEqual([ATTACKED_PREFIX]);
    expect(blocked[0]?.summary).toMatch(
      /^\+9891212: 2\d sent, 0 approved in \d+ min; blocked 12 h \(block 1\)$/,
    );
  }, 120_000);

  it('stops the same attack through the Bitel face', async () => {
    // A tenant of its own, whose counts start at nothing; its real users check their codes on the native API.
    const key = 'bitel-shop-key-0123456789abcdef01';
    await h.app.clients.upsert('bitel-shop', key, 'bitel-shop');
    const figures = await runPumpingAttack({
      app: h.app,
      clientKey: key,
      proxy: PROXY,
      face: 'bitel',
      attacks: 1000,
      attackerAddresses: 200,
      realUsers: 250,
      firstRealUser: 10_000,
      concurrency: 8,
      codeOf,
    });
    console.info(describeFigures(figures, 'Bitel'));
    expect(figures.smsToAttackedPrefix).toBeLessThanOrEqual(50);
    expect(figures.attacksRefused['403']).toBeGreaterThanOrEqual(900);
    expect(figures.realRefused).toEqual([]);
    expect(figures.realApproved).toBe(250);
    expect(figures.serverErrors).toBe(0);
  }, 120_000);
});
