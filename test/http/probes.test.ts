/** Probes, the drain that precedes a shutdown, and request ids: what a load balancer and a log search rely on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { AUTH, startHarness, type Harness } from '../support/harness.js';

const pglite = backends[0]!.backend;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('probes and request ids', () => {
  let h: Harness;
  beforeAll(async () => {
    // Six API requests a minute per address, which the tests below use up; the probes must not count.
    h = await startHarness(pglite, { RATE_LIMIT_IP_PER_MINUTE: '6' });
  });
  afterAll(async () => h?.close());

  const get = (url: string, headers: Record<string, string> = {}) =>
    h.app.http.inject({ method: 'GET', url, headers });

  it('answers /livez, /readyz and /healthz without a key, outside the per-IP limit', async () => {
    for (let round = 0; round < 4; round++) {
      expect((await get('/livez')).json()).toEqual({ status: 'ok' });
      for (const probe of ['/readyz', '/healthz']) {
        const reply = await get(probe);
        expect([reply.statusCode, reply.json()]).toEqual([200, { status: 'ok', database: 'pglite' }]);
      }
    }
  });

  it('keeps a caller’s X-Request-ID, makes one otherwise, and echoes it on every reply, refusals included', async () => {
    const kept = await get('/v1/verifications/00000000-0000-4000-8000-000000000000', {
      ...AUTH,
      'x-request-id': 'checkout-7f3a:1',
    });
    expect(kept.statusCode).toBe(404);
    expect(kept.headers['x-request-id']).toBe('checkout-7f3a:1');

    for (const bad of ['two words', 'x'.repeat(129), 'line\tbreak']) {
      const made = await get('/livez', { 'x-request-id': bad });
      expect(made.headers['x-request-id']).toMatch(UUID);
    }
    const unauthenticated = await get('/v1/messages/00000000-0000-4000-8000-000000000000');
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.headers['x-request-id']).toMatch(UUID);
  });

  it('puts the request id and a traceparent’s trace id on the request’s log lines', async () => {
    const from = h.logs.length;
    await get('/v1/verifications/00000000-0000-4000-8000-000000000000', {
      ...AUTH,
      'x-request-id': 'trace-me-1',
      traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
    });
    await get('/v1/verifications/00000000-0000-4000-8000-000000000000', {
      ...AUTH,
      'x-request-id': 'trace-me-2',
      traceparent: '00-zz-bad-01',
    });

    const lines = h.logs.slice(from).map((line) => JSON.parse(line) as Record<string, unknown>);
    const first = lines.filter((line) => line.reqId === 'trace-me-1');
    const second = lines.filter((line) => line.reqId === 'trace-me-2');
    expect(first.length).toBeGreaterThanOrEqual(2);
    expect(first.every((line) => line.traceId === TRACE_ID)).toBe(true);
    expect(second.length).toBeGreaterThanOrEqual(2);
    expect(second.some((line) => 'traceId' in line)).toBe(false);
  });

  it('turns unready at the shutdown signal and closes every connection after its reply, still serving', async () => {
    h.app.drain();

    for (const probe of ['/readyz', '/healthz']) {
      const reply = await get(probe);
      expect(reply.statusCode).toBe(503);
      expect(reply.headers['retry-after']).toBe('1');
      expect(reply.json()).toMatchObject({ error: { code: 'unavailable' } });
    }
    const live = await get('/livez');
    expect([live.statusCode, live.headers.connection]).toEqual([200, 'close']);
    const served = await h.app.http.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: AUTH,
      payload: { to: '+971501234567', purpose: 'login' },
    });
    expect([served.statusCode, served.headers.connection]).toEqual([201, 'close']);
    expect(h.logs.some((line) => line.includes('"level":50'))).toBe(false);
  });
});
