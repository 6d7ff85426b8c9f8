import type { JSONRPCMessage } from '@portcullis/core';
import type { EventStore } from '@portcullis/streamable-http';
import type { Redis } from 'ioredis';

/** Options for {@link createRedisEventStore}. */
export interface RedisEventStoreOptions {
  redis: Redis;
  /** Prefix of the streams' keys. Default `portcullis:events`. */
  keyPrefix?: string;
  /** Events kept per stream, about (Redis trims in whole blocks). Default 1000. */
  maxEventsPerStream?: number;
  /** A stream with no new event for this long is dropped. Default 1 hour. */
  ttlMs?: number;
}

/**
 * The SSE event store of stateful 2025-era sessions on Redis streams, shared by every
 * instance: a client whose stream broke can resume with `Last-Event-ID` on any instance and
 * gets every event stored so far, wherever it was produced. Event ids are
 * `<streamId>_<Redis stream id>`.
 */
export function createRedisEventStore(options: RedisEventStoreOptions): EventStore {
  const prefix = options.keyPrefix ?? 'portcullis:events';
  const maxEvents = options.maxEventsPerStream ?? 1000;
  const ttlMs = options.ttlMs ?? 3_600_000;
  const keyOf = (streamId: string) => `${prefix}:${streamId}`;
  const parse = (eventId: string) => {
    const cut = eventId.lastIndexOf('_');
    if (cut <= 0) return undefined;
    const entry = eventId.slice(cut + 1);
    return /^\d+-\d+$/.test(entry) ? { streamId: eventId.slice(0, cut), entry } : undefined;
  };

  return {
    async storeEvent(streamId, message) {
      const key = keyOf(streamId);
      const results = await options.redis
        .multi()
        .xadd(key, 'MAXLEN', '~', maxEvents, '*', 'm', JSON.stringify(message))
        .pexpire(key, ttlMs)
        .exec();
      const [error, entry] = results?.[0] ?? [new Error('the event was not stored')];
      if (error || typeof entry !== 'string') throw error ?? new Error('the event was not stored');
      return `${streamId}_${entry}`;
    },
    async getStreamIdForEventId(eventId) {
      const parsed = parse(eventId);
      if (!parsed) return undefined;
      return (await options.redis.exists(keyOf(parsed.streamId))) ? parsed.streamId : undefined;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const parsed = parse(lastEventId);
      if (!parsed) throw new Error(`unknown event id ${lastEventId}`);
      const entries = await options.redis.xrange(keyOf(parsed.streamId), `(${parsed.entry}`, '+');
      for (const [entry, fields] of entries) {
        const at = fields.indexOf('m');
        const raw = at === -1 ? undefined : fields[at + 1];
        if (raw !== undefined)
          await send(`${parsed.streamId}_${entry}`, JSON.parse(raw) as JSONRPCMessage);
      }
      return parsed.streamId;
    },
  };
}
