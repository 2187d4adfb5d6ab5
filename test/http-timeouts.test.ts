import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { backends } from './support/database.js';
import { startHarness, type Harness } from './support/harness.js';

const REQUEST_TIMEOUT_MS = 1000;
/** How long a trickled request may live here before the test gives up: far past the timeout. */
const CEILING_MS = 15_000;

interface Trickle {
  /** Resolves with what the server wrote back once it closed the connection. */
  closed: Promise<{ answer: string }>;
  socket: Socket;
}

/** Opens a connection, writes `head` at once, then one byte of `rest` every 200 ms until the server hangs up. */
function trickle(port: number, head: string, rest: string): Trickle {
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  let sent = 0;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.on('error', () => undefined); // a reset is a close, which is what is waited for
  socket.write(head);
  const pace = setInterval(() => {
    if (!socket.destroyed && sent < rest.length) socket.write(rest.charAt(sent++));
  }, 200);
  const closed = new Promise<{ answer: string }>((resolve) =>
    socket.once('close', () => {
      clearInterval(pace);
      resolve({ answer });
    }),
  );
  return { closed, socket };
}

const ceiling = <T>(work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the server kept the slow connection open')), CEILING_MS).unref(),
    ),
  ]);

const { backend } = backends[0]!;

describe('HTTP timeouts against a listening server', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    h = await startHarness(backend, { HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
    await h.app.http.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.http.server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => h?.close());

  it('cuts off a body trickled a byte at a time, while a normal request on another connection is answered', async () => {
    const body = JSON.stringify({ nameEn: 'Sara Ali', email: 'sara@example.com', phone: '+971501234567' });
    const slow = trickle(
      port,
      `POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\n\r\n`,
      body,
    );

    const normal = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(normal.status).toBe(200);

    // Within the ceiling: Node's default check interval alone (30 s) would outlast it.
    const { answer } = await ceiling(slow.closed);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);

  it('cuts off headers trickled a byte at a time', async () => {
    const slow = trickle(
      port,
      'GET /healthz HTTP/1.1\r\n',
      `Host: 127.0.0.1\r\nX-Slow: ${'a'.repeat(100)}\r\n\r\n`,
    );
    const { answer } = await ceiling(slow.closed);
    expect(answer).not.toMatch(/^HTTP\/1\.1 200/);
  }, 30_000);
});

describe('HTTP timeout settings', () => {
  const env = { DATA_DIR: '/nonexistent', CODE_SECRET: 'test-secret-that-is-long-enough-0123456789' };

  it('closes slow requests after 30 s and slow headers after 10 s by default, checking every second', () => {
    expect(loadConfig(env).httpTimeouts).toEqual({
      requestMs: 30_000,
      headersMs: 10_000,
      keepAliveMs: 72_000,
      checkIntervalMs: 1000,
    });
  });

  it('checks a short timeout often enough to close within it, and never lets headers outlast the request', () => {
    expect(loadConfig({ ...env, HTTP_REQUEST_TIMEOUT_MS: '1000' }).httpTimeouts).toMatchObject({
      headersMs: 1000,
      checkIntervalMs: 100,
    });
    expect(() =>
      loadConfig({ ...env, HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '6000' }),
    ).toThrow(ConfigError);
  });
});
