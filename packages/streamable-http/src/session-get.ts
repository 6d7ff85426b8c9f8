import type { ServerResponse } from 'node:http';
import { JsonRpcErrorCode } from '@portcullis/core/adapter';
import type { EventStore } from './event-store.js';
import { HttpProblem } from './http-problem.js';
import type { Session } from './session-store.js';
import { keepAlive, startSse } from './sse-response.js';
import { SseStream } from './sse-stream.js';
import { writeJsonRpcError } from './write-response.js';

/** What a session's GET stream needs of its endpoint. */
export interface SessionGetOptions {
  eventStore: EventStore | undefined;
  /** Whether the stream starts with a priming event. */
  primes: boolean;
  retryMs: number;
  heartbeatMs: number;
}

/**
 * Answers a session's GET: with `Last-Event-ID`, the events after it on the stream it names
 * (which must be this session's), then that stream live if it is still open; without, the
 * session's one standalone stream for messages related to no request.
 */
export async function answerSessionGet(
  res: ServerResponse,
  session: Session,
  lastEventId: string | undefined,
  cors: Record<string, string>,
  options: SessionGetOptions,
): Promise<void> {
  const { eventStore } = options;
  const headers = { ...cors, 'mcp-session-id': session.id };
  if (lastEventId !== undefined && eventStore) {
    const streamId = await eventStore.getStreamIdForEventId?.(lastEventId);
    const standaloneId = `${session.id}:standalone`;
    if (!streamId || (!streamId.startsWith(`${session.id}.`) && streamId !== standaloneId))
      throw new HttpProblem(
        400,
        JsonRpcErrorCode.InvalidRequest,
        'Bad Request: Last-Event-ID does not belong to this session',
      );
    startSse(res, headers);
    await eventStore.replayEventsAfter(lastEventId, {
      send: async (eventId, message) => SseStream.writeReplayed(res, eventId, message),
    });
    const live = streamId === standaloneId ? session.standalone : session.streams.get(streamId);
    if (live && !live.ended) {
      live.attach(res);
      if (live === session.standalone) keepAlive(res, options.heartbeatMs);
    } else {
      res.end();
    }
    return;
  }

  if (session.standalone?.connected) {
    writeJsonRpcError(
      res,
      409,
      null,
      JsonRpcErrorCode.InvalidRequest,
      'Conflict: only one GET stream per session is allowed',
      cors,
    );
    return;
  }
  startSse(res, headers);
  session.standalone ??= new SseStream(`${session.id}:standalone`, eventStore);
  session.standalone.attach(res);
  if (options.primes) await session.standalone.prime(options.retryMs);
  keepAlive(res, options.heartbeatMs);
}
