import { describe, expect, it } from 'vitest';
import { statusName, errorCodeOfStatus } from '../../../src/sms/providers/smpp/errors.js';
import { SubmitWindow, TokenBucket } from '../../../src/sms/providers/smpp/flow.js';

describe('throughput cap', () => {
  it('spaces submits 1/tps apart and lets an idle account send at once', () => {
    let now = 1_000;
    const bucket = new TokenBucket(50, () => now);

    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 20, 40]);
    now += 1_000;
    expect(bucket.reserve()).toBe(0);
  });
});

describe('submit window', () => {
  it('holds the next submit until an outstanding one is answered', async () => {
    const window = new SubmitWindow(2);
    const first = await window.acquire();
    await window.acquire();
    let thirdStarted = false;
    const third = window.acquire().then(() => (thirdStarted = true));

    await Promise.resolve();
    expect(thirdStarted).toBe(false);
    first();
    first();
    await third;
    expect(thirdStarted).toBe(true);
  });
});

describe('command_status mapping', () => {
  it.each([
    [0x58, 'ESME_RTHROTTLED', 'rate_limited'],
    [0x14, 'ESME_RMSGQFUL', 'rate_limited'],
    [0x08, 'ESME_RSYSERR', 'unavailable'],
    [0x0b, 'ESME_RINVDSTADR', 'rejected'],
    [0x0e, 'ESME_RINVPASWD', 'invalid_config'],
    [0x0f, 'ESME_RINVSYSID', 'invalid_config'],
    [0x0a, 'ESME_RINVSRCADR', 'invalid_config'],
    [0x400, '0x00000400', 'unavailable'],
  ])('maps status %i (%s) to %s', (status, name, code) => {
    expect(statusName(status)).toBe(name);
    expect(errorCodeOfStatus(status)).toBe(code);
  });
});
