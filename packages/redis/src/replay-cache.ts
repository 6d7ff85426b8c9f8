import type { ReplayCache } from '@portcullis/core';
import type { Redis } from 'ioredis';

/** Options for {@link createRedisReplayCache}. */
export interface RedisReplayCacheOptions {
  redis: Redis;
  /** Prefix of the ids' keys. Default `portcullis:dpop-jti`. */
  keyPrefix?: string;
}

/**
 * The DPoP replay cache (`jti` of each proof) shared by every instance: pass it as
 * `dpop.replayCache` to `createPortcullis`, so a captured proof cannot be replayed against
 * another instance. One atomic `SET NX PXAT` per proof; Redis away: the call rejects and the
 * proof is refused (503), never accepted unchecked.
 */
export function createRedisReplayCache(options: RedisReplayCacheOptions): ReplayCache {
  const prefix = options.keyPrefix ?? 'portcullis:dpop-jti';
  return {
    async use(id, expiresAt) {
      const at = Math.max(Math.ceil(expiresAt), Date.now() + 1);
      const set = await options.redis.set(`${prefix}:${id}`, '1', 'PXAT', at, 'NX');
      return set === 'OK';
    },
  };
}
