/**
 * Request-rate limits per IP, per API client and per phone (rate-limiter-flexible): in memory on
 * one node, in Redis when REDIS_URL is set so that every node shares the same counters.
 */
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

function limiter(store: RateLimiterAbstract): Limiter {
  return {
    async consume(key) {
      try {
        await store.consume(key);
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
  const make = (name: string, points: number): Limiter => {
    const options = { keyPrefix: `${keyPrefix}:rl:${name}`, points, duration: 60 };
    if (redis === undefined) return limiter(new RateLimiterMemory(options));
    // If Redis is unreachable, each node falls back to its own memory counters rather than failing open,
    // at once while it is disconnected rather than after a command's timeout.
    return limiter(
      new RateLimiterRedis({
        ...options,
        storeClient: redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
      }),
    );
  };
  return {
    ip: make('ip', policy.perIpPerMinute),
    webhook: make('webhook', policy.webhookPerIpPerMinute),
    client: make('client', policy.perClientPerMinute),
    phone: make('phone', policy.perPhonePerMinute),
    adminSignIn: make('admin-sign-in', policy.adminSignInPerIpPerMinute),
  };
}
