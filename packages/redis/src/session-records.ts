import type { SessionRecord, SessionRecordStore } from '@portcullis/streamable-http';
import type { Redis } from 'ioredis';

/** Options for {@link createRedisSessionRecords}. */
export interface RedisSessionRecordsOptions {
  redis: Redis;
  /** Prefix of the records' keys. Default `portcullis:session`. */
  keyPrefix?: string;
  /**
   * A record not used for this long is dropped, and its session with it. Every request of the
   * session extends it. Default 30 minutes, the sessions' default idle timeout.
   */
  idleTimeoutMs?: number;
}

/**
 * The records of stateful 2025-era sessions on Redis, shared by every instance: pass it as
 * `sessions.records` to the Streamable HTTP handler. Each holds the owner identity, the
 * negotiated protocol version and the client's `initialize`; every instance checks the owner
 * against it on each request. Redis away: `load` and `delete` throw, the request is a 503.
 */
export function createRedisSessionRecords(options: RedisSessionRecordsOptions): SessionRecordStore {
  const prefix = options.keyPrefix ?? 'portcullis:session';
  const ttlMs = options.idleTimeoutMs ?? 30 * 60_000;
  const keyOf = (id: string) => `${prefix}:${id}`;
  return {
    async save(record) {
      await options.redis.set(keyOf(record.id), JSON.stringify(record), 'PX', ttlMs);
    },
    async load(id) {
      const raw = await options.redis.getex(keyOf(id), 'PX', ttlMs);
      if (raw === null) return undefined;
      const record = JSON.parse(raw) as Partial<SessionRecord>;
      if (
        record.id !== id ||
        typeof record.owner !== 'string' ||
        typeof record.protocolVersion !== 'string'
      )
        return undefined;
      return record as SessionRecord;
    },
    async delete(id) {
      await options.redis.del(keyOf(id));
    },
  };
}
