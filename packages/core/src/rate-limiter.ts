import { LruCache } from './lru-cache.js';

/** The answer of a {@link RateLimiter}. */
export interface RateLimitDecision {
  allowed: boolean;
  /** When refused: seconds until a request would be allowed. */
  retryAfterSeconds?: number;
}

/**
 * Decides whether one more request of an identity may go through. Implement it over a shared
 * store (Redis, say) to limit across instances.
 */
export interface RateLimiter {
  consume(key: string): RateLimitDecision | Promise<RateLimitDecision>;
}

/** Options for {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Requests allowed per window, and the burst allowed at once. */
  limit: number;
  /** The window, in milliseconds. */
  windowMs: number;
  /** Most identities tracked; the least recently seen are forgotten first. Default 100 000. */
  maxKeys?: number;
  now?: () => number;
}

/** A {@link RateLimiter} that decides synchronously, in this process. */
export interface MemoryRateLimiter extends RateLimiter {
  consume(key: string): RateLimitDecision;
}

/**
 * An in-process token bucket per key: `limit` requests at once, refilled evenly over
 * `windowMs`. Memory is bounded by `maxKeys`.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions): MemoryRateLimiter {
  if (!(options.limit >= 1) || !(options.windowMs > 0)) {
    throw new RangeError('a rate limit needs limit >= 1 and windowMs > 0');
  }
  const perMs = options.limit / options.windowMs;
  const now = options.now ?? Date.now;
  const buckets = new LruCache<{ tokens: number; at: number }>(options.maxKeys ?? 100_000);

  return {
    consume(key) {
      const time = now();
      const bucket = buckets.get(key, time) ?? { tokens: options.limit, at: time };
      bucket.tokens = Math.min(options.limit, bucket.tokens + (time - bucket.at) * perMs);
      bucket.at = time;
      const allowed = bucket.tokens >= 1;
      if (allowed) bucket.tokens -= 1;
      buckets.set(key, bucket, time + options.windowMs * 2);
      return allowed
        ? { allowed }
        : { allowed, retryAfterSeconds: Math.ceil((1 - bucket.tokens) / perMs / 1000) };
    },
  };
}
