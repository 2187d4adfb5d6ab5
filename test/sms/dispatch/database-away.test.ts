/**
 * The dispatcher while its database is away: it pauses longer after each failed claim instead of spinning or
 * logging a stack trace every poll, and claims again by itself once the database answers. Timers are faked:
 * the backoff is measured in the dispatcher's own time, not waited out.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSecretBox } from '../../../src/domain/secret-box.js';
import { createDispatcher, type Dispatcher } from '../../../src/sms/dispatcher.js';
import type { OutboxQueue } from '../../../src/store/outbox-queue.js';
import { TestClock } from '../../support/harness.js';

const POLL_MS = 100;

describe('the dispatcher while the database is away', () => {
  let databaseUp = false;
  /** Claim rounds (a round claims OTPs, then notices). */
  let claims = 0;
  const logged: { level: string; message: string }[] = [];
  let dispatcher: Dispatcher;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    databaseUp = false;
    claims = 0;
    logged.length = 0;
    // Claiming (OTPs, then notices, in one statement) is all the dispatcher does with its queue while nothing is due.
    const queue = {
      async claimDue() {
        claims++;
        if (databaseUp) return [];
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      },
    } as unknown as OutboxQueue;
    const log = (level: string) => (_object: object, message: string) => logged.push({ level, message });
    dispatcher = createDispatcher({
      queue,
      providers: [],
      box: createSecretBox(Buffer.from('dispatcher-test-secret-that-is-long-enough')),
      clock: new TestClock(),
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      leaseSeconds: 30,
      pollMs: POLL_MS,
    });
  });
  afterEach(async () => {
    databaseUp = true;
    const stopping = dispatcher.stop();
    await vi.runOnlyPendingTimersAsync();
    await stopping;
    vi.useRealTimers();
  });

  it('backs off its claims up to a few seconds apart, and warns once', async () => {
    dispatcher.start();
    await vi.advanceTimersByTimeAsync(60_000);
    // Polling every 100 ms would have claimed 600 times in that minute; doubling up to 10 s claims about ten.
    expect(claims).toBeGreaterThan(3);
    expect(claims).toBeLessThan(15);
    expect(logged.filter(({ level }) => level === 'warn' || level === 'error')).toEqual([
      { level: 'warn', message: 'sms dispatcher could not claim messages; backing off until it can' },
    ]);
  });

  it('claims again by itself once the database answers, and polls at its usual pace', async () => {
    dispatcher.start();
    await vi.advanceTimersByTimeAsync(60_000);
    databaseUp = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(logged.some(({ message }) => message === 'sms dispatcher claims again')).toBe(true);

    const before = claims;
    await vi.advanceTimersByTimeAsync(10 * POLL_MS);
    expect(claims - before).toBeGreaterThanOrEqual(9);
  });

  it('claims at once when a message is queued during a pause', async () => {
    dispatcher.start();
    await vi.advanceTimersByTimeAsync(60_000);
    const before = claims;
    databaseUp = true;
    dispatcher.messagesQueued();
    await vi.advanceTimersByTimeAsync(0);
    expect(claims).toBe(before + 1);
  });
});
