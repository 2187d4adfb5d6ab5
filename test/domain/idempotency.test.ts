import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { createIdempotency } from '../../src/domain/idempotency.js';
import { FakeClock, fakeRequestClaims } from './fakes.js';

const reply = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
const key = { scope: 'client-1', requestId: 'req-1' };

describe('request idempotency, on in-memory ports', () => {
  const setUp = () => createIdempotency({ store: fakeRequestClaims(), clock: new FakeClock() });

  it('runs a request id once and replays its reply to every repeat', async () => {
    const idempotency = setUp();
    const first = await idempotency.start(key, 'f1');
    expect(first.run).toBe(true);
    if (first.run) await first.finish(reply);
    expect(await idempotency.start(key, 'f1')).toEqual({ run: false, reply });
  });

  it('refuses the same id on a different request', async () => {
    const idempotency = setUp();
    const first = await idempotency.start(key, 'f1');
    if (first.run) await first.finish(reply);
    await expect(idempotency.start(key, 'f2')).rejects.toSatisfy(
      (error: unknown) => error instanceof DomainError && error.code === 'request_id_reused',
    );
  });

  it('lets a retry run once a first run was released without a reply (a throttled or failed request)', async () => {
    const idempotency = setUp();
    const first = await idempotency.start(key, 'f1');
    if (first.run) await first.finish(null);
    expect((await idempotency.start(key, 'f1')).run).toBe(true);
  });

  it('keeps ids of different scopes apart', async () => {
    const idempotency = setUp();
    const first = await idempotency.start(key, 'f1');
    if (first.run) await first.finish(reply);
    expect((await idempotency.start({ ...key, scope: 'client-2' }, 'f1')).run).toBe(true);
  });
});
