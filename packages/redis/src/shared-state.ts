import type { IntrospectionCacheStore, RateLimiter, ReplayCache } from '@portcullis/core';
import type { EventStore, SessionRecordStore } from '@portcullis/streamable-http';
import type { Redis, RedisOptions } from 'ioredis';
import { connectRedis } from './connect.js';
import { createRedisEventStore } from './event-store.js';
import { createRedisIntrospectionCache } from './introspection-cache.js';
import { createRedisRateLimiter } from './rate-limiter.js';
import { createRedisReplayCache } from './replay-cache.js';
import { createRedisResourceUpdates, type RedisResourceUpdates } from './resource-updates.js';
import { createRedisSessionRecords } from './session-records.js';

/** Options for {@link connectRedisSharedState}: those of {@link connectRedis}, and the rate limit. */
export interface RedisSharedStateOptions extends RedisOptions {
  /** How long to wait for the first connection, in milliseconds. Default 5000. */
  timeoutMs?: number;
  /** Requests allowed per window to one identity, in total across instances; none when absent. */
  rateLimit?: { limit: number; windowMs: number };
}

/**
 * Everything the instances behind one load balancer must share, on one Redis: build it once
 * and take every piece from it, so that no piece is left per instance by mistake (a proof-id
 * cache left in memory lets a captured DPoP proof be replayed once against each instance).
 */
export interface RedisSharedState {
  readonly redis: Redis;
  /** `rateLimiter` of `createPortcullis`; `undefined` without `rateLimit`. */
  readonly rateLimiter: RateLimiter | undefined;
  /** `dpop.replayCache` of `createPortcullis`: each DPoP proof accepted once by all instances. */
  readonly replayCache: ReplayCache;
  /** `resourceUpdates` of `createPortcullis`, already subscribed. */
  readonly resourceUpdates: RedisResourceUpdates;
  /** `cacheStore` of `createIntrospectionVerifier`. */
  readonly introspectionCache: IntrospectionCacheStore;
  /** `sessions.records` of the Streamable HTTP handler. */
  readonly sessionRecords: SessionRecordStore;
  /** `eventStore` of the Streamable HTTP handler. */
  readonly eventStore: EventStore;
  /** Ends the subscription and the connection. */
  close(): Promise<void>;
}

/**
 * Connects to Redis (`redis://host:port/db`, see {@link connectRedis}) and builds every shared
 * piece on that one connection: rate limit, DPoP proof ids, resource updates (subscribed before
 * this resolves), introspection cache, session records and events.
 */
export async function connectRedisSharedState(
  url: string,
  options: RedisSharedStateOptions = {},
): Promise<RedisSharedState> {
  const { rateLimit, ...connection } = options;
  const redis = await connectRedis(url, connection);
  const resourceUpdates = createRedisResourceUpdates({ redis });
  try {
    await resourceUpdates.ready;
    return {
      redis,
      rateLimiter: rateLimit && createRedisRateLimiter({ redis, ...rateLimit }),
      replayCache: createRedisReplayCache({ redis }),
      resourceUpdates,
      introspectionCache: createRedisIntrospectionCache({ redis }),
      sessionRecords: createRedisSessionRecords({ redis }),
      eventStore: createRedisEventStore({ redis }),
      async close() {
        await resourceUpdates.close();
        redis.disconnect();
      },
    };
  } catch (error) {
    await resourceUpdates.close();
    redis.disconnect();
    throw error;
  }
}
