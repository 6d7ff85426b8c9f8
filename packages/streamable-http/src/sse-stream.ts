import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@portcullis/core';
import { formatSseEvent, formatSsePriming } from '@portcullis/core/adapter';
import type { EventStore } from './event-store.js';
import { writeSse } from './sse-response.js';

/** What a priming event stores: no message at all. */
const PRIMING_MESSAGE = {} as JSONRPCMessage;

/**
 * One SSE stream of a session. With an event store, every message is stored before it is
 * written, so it survives a dropped connection and can be replayed to the client that comes
 * back with `Last-Event-ID`; the stream's live connection can then be attached again.
 */
export class SseStream {
  #res: ServerResponse | undefined;
  #queue: Promise<void> = Promise.resolve();
  #ended = false;

  constructor(
    readonly id: string,
    private readonly eventStore: EventStore | undefined,
  ) {}

  /** Whether a client connection is attached. */
  get connected(): boolean {
    return this.#res !== undefined && !this.#res.writableEnded;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Attaches a client connection whose SSE headers are already written. */
  attach(res: ServerResponse): void {
    this.#res = res;
    res.once('close', () => {
      if (this.#res === res) this.#res = undefined;
    });
  }

  /** Stores (if there is a store) and writes one message, keeping the order of calls. */
  send(message: JSONRPCMessage): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      // A store that fails (e.g. Redis away) costs resumability of this event, not its delivery.
      const eventId = this.eventStore
        ? await this.eventStore.storeEvent(this.id, message).catch(() => undefined)
        : undefined;
      if (this.#res) writeSse(this.#res, formatSseEvent(message, eventId));
    });
    return this.#queue;
  }

  /**
   * Starts the stream with a priming event: an event id and empty data, so that a client can
   * resume from the very beginning, and `retry` to tell it how long to wait before reconnecting
   * (SEP-1699). Needs an event store.
   */
  async prime(retryMs: number): Promise<void> {
    if (!this.eventStore) return;
    const eventId = await this.eventStore
      .storeEvent(this.id, PRIMING_MESSAGE)
      .catch(() => undefined);
    if (eventId === undefined || !this.#res) return;
    writeSse(this.#res, formatSsePriming(eventId, retryMs));
  }

  /** Ends the client connection but not the stream: later messages are stored for resumption. */
  detach(): void {
    this.#res?.end();
    this.#res = undefined;
  }

  /** Writes replayed events to `res` before it is attached. */
  static writeReplayed(res: ServerResponse, eventId: string, message: JSONRPCMessage): void {
    if (message === PRIMING_MESSAGE || !('jsonrpc' in message)) return;
    writeSse(res, formatSseEvent(message, eventId));
  }

  /** Ends the stream after every queued message is written. */
  async end(): Promise<void> {
    this.#ended = true;
    await this.#queue;
    this.#res?.end();
    this.#res = undefined;
  }
}
