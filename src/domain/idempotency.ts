/**
 * Request idempotency (menu.app's X-Request-ID, the native API's Idempotency-Key): the first reply to a
 * client's request id is kept for a day and replayed byte for byte to every repeat, which runs nothing.
 * A repeat that arrives while the first still runs waits for it (409 request_in_progress if it outlasts
 * WAIT_MS); the same id on another request is refused (422 request_id_reused), as Stripe and the IETF
 * draft do.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from './errors.js';
import type { Clock, RequestClaimStore, RequestKey, StoredReply } from './ports.js';

/** How long a reply is replayed: clients retry within minutes; a day outlasts any outage they ride out. */
const KEEP_MS = 24 * 3600 * 1000;
/** A claim unfinished this long belongs to a node that died mid-request: a repeat may run it again. */
const ABANDONED_MS = 60_000;
/** How long a repeat waits for a first request still running (on any node), and how often it looks. */
const WAIT_MS = 10_000;
const POLL_MS = 50;
/** Replays older than KEEP_MS are deleted at most this often per node. */
const PURGE_EVERY_MS = 3600 * 1000;

export type { RequestKey, StoredReply };

export type ReplayStart =
  { run: true; finish(reply: StoredReply | null): Promise<void> } | { run: false; reply: StoredReply };

/** What makes two requests the same request: the same id on another one is refused, not replayed. */
export function fingerprintOf(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n`)
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

export function createIdempotency(deps: { store: RequestClaimStore; clock: Clock }) {
  const { store } = deps;
  /** First requests running on this node, so repeats here wait on them instead of polling. */
  const running = new Map<string, Promise<void>>();
  let purgedAt = 0;

  const window = () => {
    const now = deps.clock.now();
    return {
      now,
      expiredBefore: new Date(now.getTime() - KEEP_MS),
      abandonedBefore: new Date(now.getTime() - ABANDONED_MS),
    };
  };

  async function purgeOld(at: { now: Date; expiredBefore: Date }): Promise<void> {
    if (at.now.getTime() - purgedAt < PURGE_EVERY_MS) return;
    purgedAt = at.now.getTime();
    await store.purge(at.expiredBefore);
  }

  async function claimOrReplay(
    key: RequestKey,
    fingerprint: string,
    header: string,
  ): Promise<{ run: true } | { run: false; reply: StoredReply }> {
    // Real time, not the injected clock: this is a wait for another request, not a business rule.
    const giveUpAt = performance.now() + WAIT_MS;
    for (;;) {
      const at = window();
      await purgeOld(at);
      if (await store.claim({ ...key, fingerprint }, at)) return { run: true };
      const first = await store.find(key, at.expiredBefore);
      if (first !== undefined && first.fingerprint !== fingerprint) {
        throw new DomainError('request_id_reused', {
          details: [{ field: `headers:/${header}`, problem: 'was already used for a different request' }],
        });
      }
      if (first?.reply) return { run: false, reply: first.reply };
      if (performance.now() >= giveUpAt)
        throw new DomainError('request_in_progress', { retryAfterSeconds: 1 });
      await sleep(POLL_MS);
    }
  }

  async function waitForFirst(local: string): Promise<void> {
    const giveUpAt = performance.now() + WAIT_MS;
    for (let first = running.get(local); first !== undefined; first = running.get(local)) {
      const left = giveUpAt - performance.now();
      if (left <= 0) return;
      await Promise.race([first, sleep(left)]);
    }
  }

  return {
    /**
     * Either the request is this caller's to run (then `finish` stores its reply, or forgets the
     * claim when given null so a retry runs), or the reply to replay. `header` names where the id came
     * from, in a refusal's details.
     */
    async start(key: RequestKey, fingerprint: string, header = 'x-request-id'): Promise<ReplayStart> {
      const local = `${key.scope}\n${key.requestId}`;
      await waitForFirst(local);
      let settle = () => {};
      const mine = new Promise<void>((resolve) => (settle = resolve));
      running.set(local, mine);
      const settled = () => {
        if (running.get(local) === mine) running.delete(local);
        settle();
      };
      try {
        const outcome = await claimOrReplay(key, fingerprint, header);
        if (!outcome.run) {
          settled();
          return outcome;
        }
        let finished = false;
        return {
          run: true,
          async finish(reply) {
            if (finished) return;
            finished = true;
            try {
              if (reply === null) await store.release(key);
              else await store.complete(key, reply, deps.clock.now());
            } finally {
              settled();
            }
          },
        };
      } catch (error) {
        settled();
        throw error;
      }
    },
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;
