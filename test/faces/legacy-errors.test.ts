import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { domainStatus, legacyErrorHandler } from '../../src/faces/legacy-errors.js';

function appThrowing(error: unknown, toStatus = domainStatus) {
  const app = Fastify();
  app.setErrorHandler(
    legacyErrorHandler(toStatus, (refusal, request) => ({ refused: refusal.code, path: request.url })),
  );
  app.get('/', async () => {
    throw error;
  });
  return app;
}

describe('The legacy faces’ error handler', () => {
  it('answers a throttled request with Retry-After and the face’s envelope', async () => {
    const app = appThrowing(new DomainError('rate_limited', { retryAfterSeconds: 7 }));
    const reply = await app.inject({ method: 'GET', url: '/' });
    expect(reply.statusCode).toBe(429);
    expect(reply.headers['retry-after']).toBe('7');
    expect(reply.json()).toEqual({ refused: 'rate_limited', path: '/' });
  });

  it('lets the face choose the status of a refusal', async () => {
    const app = appThrowing(new DomainError('code_incorrect'), () => 200);
    const reply = await app.inject({ method: 'GET', url: '/' });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['retry-after']).toBeUndefined();
    expect(reply.json().refused).toBe('code_incorrect');
  });

  it('turns an unexpected error into internal_error without its message', async () => {
    const app = appThrowing(new Error('database password is hunter2'));
    const reply = await app.inject({ method: 'GET', url: '/' });
    expect(reply.statusCode).toBe(500);
    expect(reply.body).not.toContain('hunter2');
    expect(reply.json().refused).toBe('internal_error');
  });
});
