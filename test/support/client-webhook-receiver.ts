/**
 * A client's webhook receiver on 127.0.0.1: keeps every post, checks its signature the way docs/webhooks.md
 * tells receivers to (the function below is the documented example, kept in step with it), and answers
 * with the status the test chooses.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback, readBody } from './loopback-http.js';

// --- docs/webhooks.md, "Checking a post" -------------------------------------------------------------
const TOLERANCE_SECONDS = 300;

function verifyOtpgateSignature(secret: string, header: string, rawBody: string, nowMs = Date.now()) {
  const fields = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(fields.get('t'));
  if (!Number.isInteger(timestamp)) return false;
  // Older than five minutes (or from the future): refused, so a captured post cannot be replayed later.
  if (Math.abs(nowMs / 1000 - timestamp) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
  const given = Buffer.from(fields.get('v1') ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
// ------------------------------------------------------------------------------------------------------

export { verifyOtpgateSignature };

export interface ReceivedPost {
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
  /** What the receiver answered. */
  status: number;
}

export interface ClientWebhookReceiver {
  url: string;
  posts: ReceivedPost[];
  /** Answers the next posts with these statuses in turn, then 200 (replacing any not used yet). */
  answerNext(...statuses: number[]): void;
  /** Called with each post before it is answered (the restart test stops a node from here). */
  onPost(listener: ((post: ReceivedPost) => void | Promise<void>) | undefined): void;
  /** Resolves once `count` posts have arrived in all. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startClientWebhookReceiver(): Promise<ClientWebhookReceiver> {
  const posts: ReceivedPost[] = [];
  const statuses: number[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let listener: ((post: ReceivedPost) => void | Promise<void>) | undefined;
  const server = await listenOnLoopback(async (req, res) => {
    const body = await readBody(req);
    const post: ReceivedPost = {
      headers: req.headers,
      body,
      event: JSON.parse(body) as ReceivedPost['event'],
      status: statuses.shift() ?? 200,
    };
    posts.push(post);
    await listener?.(post);
    for (const waiter of waiters.filter((w) => posts.length >= w.count)) waiter.resolve();
    res.writeHead(post.status, { 'content-type': 'text/plain' });
    res.end(post.status < 300 ? 'ok' : 'not now');
  });
  return {
    url: `${server.origin}/otpgate-events`,
    posts,
    answerNext: (...next) => void statuses.splice(0, statuses.length, ...next),
    onPost: (next) => (listener = next),
    received: (count) =>
      posts.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () => server.close(),
  };
}
