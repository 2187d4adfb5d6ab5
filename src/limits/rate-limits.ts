/**
 * Request-rate limits per IP, per API client and per phone (rate-limiter-flexible): in memory on
 * one node, in Redis when REDIS_URL is set so that every node shares the same counters.
 */
import { isIPv6 } from 'node:net';
import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { RateLimitPolicy } from '../config.js';
import { DomainError } from '../domain/errors.js';
import type { PhoneRateLimiter } from '../domain/ports.js';

export interface Limiter {
  consume(key: string): Promise<void>;
}

export interface RateLimits {
  ip: Limiter;
  /** Provider webhooks, per IP: kept apart so a flood of them does not spend the API clients' budget. */
  webhook: Limiter;
  client: Limiter;
  phone: PhoneRateLimiter;
  /** Console sign-in attempts, per IP. */
  adminSignIn: Limiter;
}

/**
 * The key an address is counted under: IPv6 by its /64, the smallest block a subscriber is given (RFC 6177),
 * so that one host rotating through its own block's 2^64 addresses gets one budget. IPv4 (also mapped into
 * IPv6) as it is.
 */
export function ipRateKey(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1] !== undefined) return mapped[1];
  const [head = '', tail = ''] = ip.split('%')[0]?.split('::') ?? [];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => (parseInt(group, 16) || 0).toString(16))
    .join(':')}::/64`;
}

function limiter(store: RateLimiterAbstract, keyOf: (key: string) => string = (key) => key): Limiter {
  return {
    async consume(key) {
      try {
        await store.consume(keyOf(key));
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          throw new DomainError('rate_limited', {
            retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
          });
        }
        throw rejection;
      }
    },
  };
}

export function createRateLimits(policy: RateLimitPolicy, redis?: Redis, keyPrefix = 'otpgate'): RateLimits {
  const make = (name: string, points: number, keyOf?: (key: string) => string): Limiter => {
    const options = { keyPrefix: `${keyPrefix}:rl:${name}`, points, duration: 60 };
    if (redis === undefined) return limiter(new RateLimiterMemory(options), keyOf);
    // If Redis is unreachable, each node falls back to its own memory counters rather than failing open,
    // at once while it is disconnected rather than after a command's timeout.
    return limiter(
      new RateLimiterRedis({
        ...options,
        storeClient: redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
      }),
      keyOf,
    );
  };
  return {
    ip: make('ip', policy.perIpPerMinute, ipRateKey),
    webhook: make('webhook', policy.webhookPerIpPerMinute, ipRateKey),
    client: make('client', policy.perClientPerMinute),
    phone: make('phone', policy.perPhonePerMinute),
    adminSignIn: make('admin-sign-in', policy.adminSignInPerIpPerMinute),
  };
}
