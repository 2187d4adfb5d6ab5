/**
 * Request idempotency on a face (menu.app's X-Request-ID, the native Idempotency-Key): a request that carries
 * a key either runs, and its reply is kept, or is a repeat and gets the first reply again (status, the
 * headers that matter, the body byte for byte), running nothing. The rules are the domain's
 * (domain/idempotency.ts); this only ties them to Fastify's hooks.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fingerprintOf, type Idempotency, type ReplayStart } from '../domain/idempotency.js';
import type { RequestKey, StoredReply } from '../domain/ports.js';

/** What a replay must repeat besides status and body; the rest (date, length, rate-limit counts) is of the moment. */
const KEPT_HEADERS = ['content-type', 'content-language', 'location'] as const;

/** Set on a replayed reply (Stripe's name), so a client can tell it ran nothing. */
export const REPLAYED_HEADER = 'idempotent-replayed';

type Run = Extract<ReplayStart, { run: true }>;

export interface RequestReplayOptions {
  idempotency: Idempotency;
  /** The header the key comes in, lower case (named in a refusal's details). */
  header: string;
  /**
   * The key of a request, or undefined when it carries none (it then runs as it is). Called after
   * validation and the face's own preHandlers (authentication), so the client is known.
   */
  keyOf(request: FastifyRequest): RequestKey | undefined;
}

function keptHeaders(headers: Record<string, unknown>): Record<string, string> | undefined {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') kept[name] = value;
  }
  return kept['content-type'] === undefined ? undefined : kept;
}

/** Registers the hooks on `app`: after the face's authentication hook, so that one runs first. */
export function replayRepeatedRequests(app: FastifyInstance, options: RequestReplayOptions): void {
  const runs = new WeakMap<FastifyRequest, Run>();

  // After validation: the request is well formed, so it is this key's request to run, or a repeat.
  app.addHook('preHandler', async (request, reply) => {
    const key = options.keyOf(request);
    if (key === undefined) return;
    const started = await options.idempotency.start(
      key,
      fingerprintOf(request.method, request.url, request.body),
      options.header,
    );
    if (started.run) {
      runs.set(request, started);
      return;
    }
    const replay: StoredReply = started.reply;
    return reply
      .status(replay.statusCode)
      .headers({ ...replay.headers, [REPLAYED_HEADER]: 'true' })
      .send(replay.body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const run = runs.get(request);
    if (run === undefined) return payload;
    // Throttling and server failures are not the request's answer: a retry with the same key runs.
    const retryable = reply.statusCode === 429 || reply.statusCode >= 500;
    const headers = keptHeaders(reply.getHeaders());
    await run.finish(
      retryable || typeof payload !== 'string' || headers === undefined
        ? null
        : { statusCode: reply.statusCode, headers, body: payload },
    );
    return payload;
  });
  // Should a reply go out without onSend, the claim is let go rather than left to block its repeats.
  app.addHook('onResponse', async (request) => runs.get(request)?.finish(null));
}
