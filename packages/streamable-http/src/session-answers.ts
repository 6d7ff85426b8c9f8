import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { collectResponses, type LegacyDispatch, type MessageSink } from '@portcullis/core/adapter';
import type { EventStore } from './event-store.js';
import type { Session } from './session-store.js';
import { startSse } from './sse-response.js';
import { SseStream } from './sse-stream.js';
import { writeJson } from './write-response.js';

/**
 * Answers 2025-era messages with one JSON body once every request has its response: the
 * response itself, or an array of them for a batch. A client that goes away cancels them.
 */
export async function answerWithJson(
  res: ServerResponse,
  dispatch: LegacyDispatch,
  isBatch: boolean,
  headers: Record<string, string>,
): Promise<void> {
  const responses = await collectResponses(dispatch, (listener) => res.once('close', listener));
  if (responses) writeJson(res, 200, isBatch ? responses : responses[0], headers);
}

/** What {@link answerWithStream} needs of the session's endpoint. */
export interface SessionStreamOptions {
  eventStore: EventStore | undefined;
  /** Whether the stream starts with a priming event (a revision that knows them, and a store). */
  primes: boolean;
  retryMs: number;
}

/**
 * Answers a session's 2025-era messages with an SSE stream of their own, kept in the session
 * for resumption (with an event store) and ended once every request has its response. The
 * server may end the connection early (`closeStream`, SEP-1699); with a store, the client
 * resumes it. Without a store, a client that goes away cancels the requests.
 */
export async function answerWithStream(
  res: ServerResponse,
  session: Session,
  dispatch: LegacyDispatch,
  headers: Record<string, string>,
  options: SessionStreamOptions,
): Promise<void> {
  const { channel, auth, messages } = dispatch;
  const { eventStore } = options;
  const stream = new SseStream(`${session.id}.${randomUUID()}`, eventStore);
  startSse(res, headers);
  stream.attach(res);
  session.streams.set(stream.id, stream);
  if (options.primes) await stream.prime(options.retryMs);
  const closeStream = eventStore ? () => stream.detach() : undefined;
  const expected = messages.filter((message) => message.kind === 'request').length;
  let answered = 0;
  return new Promise((resolve) => {
    const finish = () => {
      session.streams.delete(stream.id);
      void stream.end().then(resolve);
    };
    const sink: MessageSink = {
      send(message) {
        if (!('method' in message)) {
          dispatch.onResponse?.(message);
          answered += 1;
        }
        void stream.send(message);
        if (answered === expected) finish();
      },
    };
    res.once('close', () => {
      if (answered < expected && !eventStore) {
        channel.release(sink);
        finish();
      }
    });
    for (const message of messages) channel.dispatch(message.message, { auth, sink, closeStream });
  });
}
