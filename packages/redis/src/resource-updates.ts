import { randomUUID } from 'node:crypto';
import { createResourceUpdates, type ResourceUpdates } from '@portcullis/core';
import type { Redis } from 'ioredis';

/** Options for {@link createRedisResourceUpdates}. */
export interface RedisResourceUpdatesOptions {
  /** A connection for publishing; a second one is made from it (`duplicate`) to subscribe. */
  redis: Redis;
  /** The pub/sub channel. Default `portcullis:resource-updates`. */
  channel?: string;
  /** Told when an update could not be published to the other instances. */
  onError?: (error: Error) => void;
}

/** A {@link ResourceUpdates} hub over Redis pub/sub; `close` ends its subscription. */
export interface RedisResourceUpdates extends ResourceUpdates {
  /** Resolves once subscribed: updates published by others from then on are heard. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * A resource-update hub shared by every instance: pass it as `resourceUpdates` to
 * `createPortcullis`. An update is delivered at once to the listeners of this instance and
 * published on Redis to the others, so a `subscriptions/listen` stream (or a 2025 session's
 * subscription) on instance A hears an update made through instance B.
 *
 * Delivery is at most once, like Redis pub/sub: while Redis is away, updates still reach
 * this instance's listeners but not the others', and are not replayed later.
 */
export function createRedisResourceUpdates(
  options: RedisResourceUpdatesOptions,
): RedisResourceUpdates {
  const channel = options.channel ?? 'portcullis:resource-updates';
  const origin = randomUUID();
  const local = createResourceUpdates();
  const subscriber = options.redis.duplicate({ enableOfflineQueue: true, lazyConnect: false });
  subscriber.on('error', () => {});
  subscriber.on('message', (from: string, raw: string) => {
    if (from !== channel) return;
    try {
      const message = JSON.parse(raw) as { origin?: unknown; uri?: unknown };
      if (message.origin !== origin && typeof message.uri === 'string') local.notify(message.uri);
    } catch {
      // Not one of ours: ignored.
    }
  });
  const ready = subscriber.subscribe(channel).then(() => undefined);
  ready.catch(() => undefined);

  return {
    ready,
    notify(uri) {
      local.notify(uri);
      options.redis.publish(channel, JSON.stringify({ origin, uri })).catch((error: Error) => {
        options.onError?.(error);
      });
    },
    listen: (listener) => local.listen(listener),
    async close() {
      subscriber.disconnect();
    },
  };
}
