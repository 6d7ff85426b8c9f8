import type { IntrospectionCacheEntry, IntrospectionCacheStore } from '@portcullis/core';
import type { Redis } from 'ioredis';

/** Options for {@link createRedisIntrospectionCache}. */
export interface RedisIntrospectionCacheOptions {
  redis: Redis;
  /** Prefix of the entries' keys. Default `portcullis:introspection`. */
  keyPrefix?: string;
}

/**
 * An introspection cache shared by every instance: pass it as `cacheStore` to
 * `createIntrospectionVerifier`. Entries are keyed by the token's SHA-256 (never the token)
 * and expire in Redis when the first answer's reuse ends, so a revoked token is refused
 * everywhere within `cacheSeconds` of its first introspection. Redis away: every lookup is
 * a miss and the authorization server is asked, which refuses revoked tokens at once.
 */
export function createRedisIntrospectionCache(
  options: RedisIntrospectionCacheOptions,
): IntrospectionCacheStore {
  const prefix = options.keyPrefix ?? 'portcullis:introspection';
  return {
    async get(key) {
      const raw = await options.redis.get(`${prefix}:${key}`);
      if (raw === null) return undefined;
      const entry = JSON.parse(raw) as Partial<IntrospectionCacheEntry>;
      if (
        typeof entry.expiresAtMs !== 'number' ||
        typeof entry.answer !== 'object' ||
        entry.answer === null
      )
        return undefined;
      return entry as IntrospectionCacheEntry;
    },
    async set(key, entry) {
      const ttlMs = Math.floor(entry.expiresAtMs - Date.now());
      if (ttlMs <= 0) return;
      await options.redis.set(`${prefix}:${key}`, JSON.stringify(entry), 'PX', ttlMs);
    },
  };
}
