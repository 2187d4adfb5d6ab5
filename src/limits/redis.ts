/**
 * The Redis connection the rate limits share. It fails fast: while Redis is away a command is refused at once
 * (no offline queue; the limiters do not even try, see rate-limits.ts) and each node counts in its own memory,
 * while ioredis reconnects in the background. The outage is logged by its error code once a minute at most.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../domain/ports.js';

/** ioredis reports every failed reconnect (one every 2 s): one line a minute says as much. */
const WARN_EVERY_MS = 60_000;

export interface RedisLink {
  client: Redis;
  /** 'ok' while connected; 'unavailable' while it (re)connects. */
  status(): 'ok' | 'unavailable';
  /** Waits for the commands in flight (QUIT), or drops the link at once when Redis is away. */
  close(): Promise<void>;
}

export function connectRedis(
  url: string,
  options: { commandTimeoutMs: number; logger: Logger; clock: Clock },
): RedisLink {
  const { logger, clock } = options;
  const client = new Redis(url, {
    enableOfflineQueue: false,
    // A command on a connection that stopped answering (a partition) gives up after this.
    commandTimeout: options.commandTimeoutMs,
    // A command in flight when the link drops fails at once rather than waiting for a reconnect.
    maxRetriesPerRequest: 0,
    // ioredis' own schedule, written out: reconnects 50 ms apart growing to one every 2 s, for ever.
    retryStrategy: (attempt) => Math.min(attempt * 50, 2_000),
  });
  let warnedAt: number | undefined;
  let warned = false;
  client.on('error', (error: NodeJS.ErrnoException) => {
    const now = clock.now().getTime();
    if (warnedAt !== undefined && now - warnedAt < WARN_EVERY_MS) return;
    warnedAt = now;
    warned = true;
    logger.warn(
      { redisError: error.code ?? error.message },
      'redis unavailable: rate limits count in this node’s memory until it returns',
    );
  });
  client.on('ready', () => {
    if (warned) logger.info({}, 'redis reachable again: rate limits shared again');
    warned = false;
  });
  return {
    client,
    status: () => (client.status === 'ready' ? 'ok' : 'unavailable'),
    async close() {
      if (client.status !== 'ready') return client.disconnect();
      await client.quit().catch(() => client.disconnect());
    },
  };
}
