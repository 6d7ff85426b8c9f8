import { AuthError, type RateLimitDecision, type RateLimiter } from '@portcullis/core';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Options for {@link createRedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  redis: Redis;
  /** Requests allowed per window to one identity, counted across every instance. */
  limit: number;
  /** The window, in milliseconds (whole seconds; at least 1 s). */
  windowMs: number;
  /** Prefix of the counters' keys. Default `portcullis:rate`. */
  keyPrefix?: string;
}

/**
 * A {@link RateLimiter} whose limit holds in total across every instance sharing `redis`
 * (`rate-limiter-flexible`: one atomic counter per identity and window, the window starting
 * with the identity's first request).
 *
 * Fails closed: while Redis cannot be reached, `consume` throws an `AuthError` with code
 * `unavailable` (a 503 to the client), never allows everything.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  if (!(options.limit >= 1) || !(options.windowMs >= 1000)) {
    throw new RangeError('a rate limit needs limit >= 1 and windowMs >= 1000');
  }
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    points: options.limit,
    duration: Math.round(options.windowMs / 1000),
    keyPrefix: options.keyPrefix ?? 'portcullis:rate',
    rejectIfRedisNotReady: true,
  });
  return {
    async consume(key): Promise<RateLimitDecision> {
      try {
        await limiter.consume(key, 1);
        return { allowed: true };
      } catch (outcome) {
        if (outcome instanceof RateLimiterRes) {
          return {
            allowed: false,
            retryAfterSeconds: Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)),
          };
        }
        throw new AuthError('unavailable', 'the shared rate limit cannot be checked', {
          cause: outcome,
        });
      }
    },
  };
}
