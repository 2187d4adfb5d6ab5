/** Where a code may go: each channel's destination, a workflow's steps, and how long a step's code lives. */
import { describe, expect, it } from 'vitest';
import { codeExpiry, resolveRoute, stepDeadline } from '../../src/domain/channels.js';
import { DomainError } from '../../src/domain/errors.js';

const NOW = new Date('2026-12-03T10:00:00Z');
const plus = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

function refusal(work: () => unknown): { code: string; details: unknown } {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('not refused');
}

describe('a verification’s route', () => {
  it('is SMS to the number in E.164 when the request names no channel', () => {
    expect(resolveRoute({ to: '050 123 4567', country: 'AE' })).toEqual({
      channel: 'sms',
      to: '+971501234567',
      workflow: null,
    });
  });

  it('takes an email address, lower-cased, for the email channel, and refuses a number there', () => {
    expect(resolveRoute({ to: ' Someone@Example.COM ', channel: 'email' }).to).toBe('someone@example.com');
    expect(refusal(() => resolveRoute({ to: '+971501234567', channel: 'email' }))).toMatchObject({
      code: 'invalid_email',
      details: [{ field: '/to' }],
    });
  });

  it('gives each workflow step its destination and timeout, the request’s `to` where a step names none', () => {
    const route = resolveRoute({
      to: '+971501234567',
      workflow: [
        { channel: 'whatsapp', timeoutSeconds: 60 },
        { channel: 'sms' },
        { channel: 'email', to: 'a@example.com' },
      ],
    });
    expect(route).toEqual({
      channel: 'whatsapp',
      to: '+971501234567',
      workflow: [
        { channel: 'whatsapp', to: '+971501234567', timeoutSeconds: 60 },
        { channel: 'sms', to: '+971501234567', timeoutSeconds: 300 },
        { channel: 'email', to: 'a@example.com', timeoutSeconds: 300 },
      ],
    });
  });

  it('names the step whose address is wrong, and refuses a channel that is not the first step’s', () => {
    expect(
      refusal(() =>
        resolveRoute({
          to: '+971501234567',
          workflow: [{ channel: 'sms' }, { channel: 'email', to: 'nobody' }],
        }),
      ),
    ).toMatchObject({ code: 'invalid_email', details: [{ field: '/workflow/1/to' }] });
    expect(
      refusal(() => resolveRoute({ to: '+971501234567', channel: 'email', workflow: [{ channel: 'sms' }] })),
    ).toMatchObject({ code: 'invalid_request', details: [{ field: '/channel' }] });
  });
});

describe('a workflow step’s deadline and its code’s expiry', () => {
  const workflow = [
    { channel: 'whatsapp' as const, to: '+971501234567', timeoutSeconds: 900 },
    { channel: 'sms' as const, to: '+971501234567', timeoutSeconds: 60 },
  ];

  it('gives way after its timeout, except the last step, which waits for its code to expire', () => {
    expect(stepDeadline(workflow, 0, NOW)).toEqual(plus(900));
    expect(stepDeadline(workflow, 1, NOW)).toBeNull();
    expect(stepDeadline(null, 0, NOW)).toBeNull();
  });

  it('keeps a step’s code past its deadline, so that the step moves on before the code expires', () => {
    expect(codeExpiry(600, null, NOW)).toEqual(plus(600));
    expect(codeExpiry(600, plus(900), NOW)).toEqual(plus(960));
    expect(codeExpiry(600, plus(60), NOW)).toEqual(plus(600));
  });
});
