import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  LOGIN_SALT_TTL_MS,
  SESSION_SCAN_FIRST,
  createLoginSessions,
} from '../../src/domain/login-sessions.js';
import { FakeClock, fakeLoginSessions } from './fakes.js';

describe('login sessions and one-time tokens, on in-memory ports', () => {
  const setUp = () => {
    const clock = new FakeClock();
    const fakes = fakeLoginSessions();
    return { clock, fakes, sessions: createLoginSessions({ ...fakes, clock }) };
  };

  it('opens a session whose salt finds it, newest first, until it expires', async () => {
    const { clock, sessions } = setUp();
    const salt = await sessions.open('pos', 'customer-1');
    expect(salt).toMatch(/^[0-9a-f]{32}$/);
    expect(await sessions.newest('pos', 'customer-1')).toEqual({ customerId: 'customer-1', loginSalt: salt });
    expect(await sessions.newest('other-client', 'customer-1')).toBeUndefined();
    clock.advance(LOGIN_SALT_TTL_MS);
    expect(await sessions.newest('pos', 'customer-1')).toBeUndefined();
  });

  it('finds a session older than the first round of the scan', async () => {
    const { clock, sessions } = setUp();
    const oldest = await sessions.open('pos', 'customer-0');
    for (let i = 0; i < SESSION_SCAN_FIRST + 5; i++) {
      clock.advance(1);
      await sessions.open('pos', `customer-${i + 1}`);
    }
    const found = await sessions.find(
      { clientCode: 'pos', customerId: undefined },
      (s) => s.loginSalt === oldest,
    );
    expect(found?.customerId).toBe('customer-0');
  });

  it('accepts a token once, and again only after it was forgotten', async () => {
    const { clock, sessions } = setUp();
    await sessions.useOnce('abc', 'pos', 1000);
    await expect(sessions.useOnce('abc', 'pos', 1000)).rejects.toEqual(new DomainError('request_replayed'));
    clock.advance(1000);
    await sessions.useOnce('abc', 'pos', 1000);
  });
});
