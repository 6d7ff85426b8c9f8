export { connectRedis, FAIL_FAST_OPTIONS } from './connect.js';
export { createRedisEventStore, type RedisEventStoreOptions } from './event-store.js';
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
