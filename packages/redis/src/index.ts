/**
 * Run Portcullis MCP servers as several instances behind a load balancer: rate limits, DPoP proof ids, the introspection cache, exchanged tokens, resource updates, session records and the SSE event store shared on Redis, failing closed (within seconds) when Redis is away or stalled.
 *
 * @packageDocumentation
 * @module @portcullis/redis
 */
export { connectRedis, FAIL_FAST_OPTIONS } from './connect.js';
export { createRedisEventStore, type RedisEventStoreOptions } from './event-store.js';
export {
  createRedisExchangedTokenStore,
  type RedisExchangedTokenStoreOptions,
} from './exchanged-token-store.js';
export {
  createRedisIntrospectionCache,
  type RedisIntrospectionCacheOptions,
} from './introspection-cache.js';
export { createRedisRateLimiter, type RedisRateLimiterOptions } from './rate-limiter.js';
export { createRedisReplayCache, type RedisReplayCacheOptions } from './replay-cache.js';
export {
  createRedisResourceUpdates,
  type RedisResourceUpdates,
  type RedisResourceUpdatesOptions,
} from './resource-updates.js';
export { createRedisSessionRecords, type RedisSessionRecordsOptions } from './session-records.js';
export {
  connectRedisSharedState,
  type RedisSharedState,
  type RedisSharedStateOptions,
} from './shared-state.js';
