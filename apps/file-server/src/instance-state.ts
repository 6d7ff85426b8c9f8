import {
  createMemoryRateLimiter,
  createMemoryReplayCache,
  createResourceUpdates,
  type IntrospectionCacheStore,
  type RateLimiter,
  type ReplayCache,
  type ResourceUpdates,
} from '@portcullis/core';
import { connectRedisSharedState } from '@portcullis/redis';
import type { EventStore, SessionRecordStore } from '@portcullis/streamable-http';
import type { FileServerOptions } from './options.js';

/**
 * Every piece of state a request consults that instances behind one load balancer must share.
 * It comes whole from one place — all of it on the Redis of `--redis`, or all of it in this
 * process — so no piece can stay per instance while the others are shared (proof ids left in
 * memory beside shared sessions would let a captured DPoP proof be replayed once per instance).
 */
export interface InstanceState {
  rateLimiter: RateLimiter | undefined;
  /** The DPoP proof ids already used. */
  replayCache: ReplayCache;
  resourceUpdates: ResourceUpdates;
  /** `undefined`: each verifier keeps its own answers. */
  introspectionCache: IntrospectionCacheStore | undefined;
  /** `undefined`: a session lives in the instance that opened it. */
  sessionRecords: SessionRecordStore | undefined;
  /** `undefined`: events are kept in memory. */
  eventStore: EventStore | undefined;
  close(): Promise<void>;
}

/** Opens the state of `options`: shared on Redis with `--redis`, in this process otherwise. */
export async function openInstanceState(options: FileServerOptions): Promise<InstanceState> {
  const rateLimit =
    options.rateLimitPerMinute === undefined
      ? undefined
      : { limit: options.rateLimitPerMinute, windowMs: 60_000 };
  if (options.redis) return connectRedisSharedState(options.redis, { rateLimit });
  return {
    rateLimiter: rateLimit && createMemoryRateLimiter(rateLimit),
    replayCache: createMemoryReplayCache(),
    resourceUpdates: createResourceUpdates(),
    introspectionCache: undefined,
    sessionRecords: undefined,
    eventStore: undefined,
    close: async () => {},
  };
}
