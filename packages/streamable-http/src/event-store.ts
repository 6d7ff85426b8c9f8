import type { JSONRPCMessage } from '@portcullis/core';

/**
 * Keeps the messages sent on SSE streams so a client that lost its connection can resume with
 * `Last-Event-ID`. The same shape as the MCP SDK's `EventStore`, so stores written for the SDK
 * (e.g. on Redis) plug in as they are.
 */
export interface EventStore {
  storeEvent(streamId: string, message: JSONRPCMessage): Promise<string>;
  getStreamIdForEventId?(eventId: string): Promise<string | undefined>;
  replayEventsAfter(
    lastEventId: string,
    handlers: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string>;
}

/** Options for {@link createMemoryEventStore}. */
export interface MemoryEventStoreOptions {
  /** Most events kept per stream; older ones are dropped. Default 1000. */
  maxEventsPerStream?: number;
  /** Most streams kept; the oldest are dropped. Default 10 000. */
  maxStreams?: number;
}

/** An in-process {@link EventStore}; event ids are `<streamId>_<sequence>`. */
export function createMemoryEventStore(options: MemoryEventStoreOptions = {}): EventStore {
  const maxEvents = options.maxEventsPerStream ?? 1000;
  const maxStreams = options.maxStreams ?? 10_000;
  const streams = new Map<
    string,
    { next: number; events: Array<{ sequence: number; message: JSONRPCMessage }> }
  >();

  const parse = (eventId: string) => {
    const cut = eventId.lastIndexOf('_');
    return cut === -1
      ? undefined
      : { streamId: eventId.slice(0, cut), sequence: Number(eventId.slice(cut + 1)) };
  };

  return {
    async storeEvent(streamId, message) {
      let stream = streams.get(streamId);
      if (!stream) {
        if (streams.size >= maxStreams) streams.delete(streams.keys().next().value!);
        stream = { next: 1, events: [] };
        streams.set(streamId, stream);
      }
      const sequence = stream.next++;
      stream.events.push({ sequence, message });
      if (stream.events.length > maxEvents) stream.events.shift();
      return `${streamId}_${sequence}`;
    },
    async getStreamIdForEventId(eventId) {
      const parsed = parse(eventId);
      return parsed && streams.has(parsed.streamId) ? parsed.streamId : undefined;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const parsed = parse(lastEventId);
      const stream = parsed && streams.get(parsed.streamId);
      if (!parsed || !stream) throw new Error(`unknown event id ${lastEventId}`);
      for (const event of stream.events) {
        if (event.sequence > parsed.sequence)
          await send(`${parsed.streamId}_${event.sequence}`, event.message);
      }
      return parsed.streamId;
    },
  };
}
