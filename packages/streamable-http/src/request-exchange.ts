import type { ServerResponse } from 'node:http';
import type { AuthInfo, JSONRPCMessage } from '@portcullis/core';
import type { MessageSink, RequestId, ServerChannel } from '@portcullis/core/adapter';
import { SSE_HEADERS } from './sse-stream.js';
import { writeEmpty, writeJson } from './write-response.js';

/** One JSON-RPC message posted alone, as `answerExchange` answers it. */
export type PostedMessage = JSONRPCMessage & { method: string; id?: RequestId };

/** What one exchange needs besides the message. */
export interface Exchange {
  res: ServerResponse;
  channel: ServerChannel;
  auth: AuthInfo | undefined;
  /** CORS and other headers every answer carries. */
  headers: Record<string, string>;
  /** Milliseconds between SSE keep-alive comments on long-lived streams. */
  heartbeatMs: number;
  /** The HTTP status of a JSON answer that is a JSON-RPC error with `code`. */
  errorStatus: (code: number) => number;
  /** Where open `subscriptions/listen` streams are kept while open, so shutdown can end them. */
  listenStreams: Set<ServerResponse>;
}

const MODERN_SSE_HEADERS = { ...SSE_HEADERS, 'x-accel-buffering': 'no' } as const;

function sseFrame(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

/**
 * Answers one message posted without a session: every 2026-07-28 request, and 2025 requests
 * in stateless mode. A notification gets `202`. A request gets a single JSON body, unless the
 * server sends something related to it first (progress, a log line, a server-to-client
 * request of a 2025 exchange): then the answer becomes an SSE stream that ends with the
 * response. `subscriptions/listen` is always a stream, open until the client goes away. A
 * client that goes away cancels its request. No event ids: nothing here is resumable.
 */
export function answerExchange(message: PostedMessage, exchange: Exchange): Promise<void> {
  const { res, channel, auth, headers } = exchange;
  if (message.id === undefined) {
    channel.dispatch(message, { auth, sink: { send: () => {} } });
    writeEmpty(res, 202, headers);
    return Promise.resolve();
  }
  const listening = message.method === 'subscriptions/listen';
  return new Promise((resolve) => {
    let streaming = false;
    let answered = false;
    let heartbeat: NodeJS.Timeout | undefined;
    const openStream = () => {
      streaming = true;
      res.writeHead(200, { ...headers, ...MODERN_SSE_HEADERS });
      res.flushHeaders();
      if (listening) {
        heartbeat = setInterval(() => res.write(': keep-alive\n\n'), exchange.heartbeatMs);
        heartbeat.unref();
      }
    };
    const finish = () => {
      answered = true;
      clearInterval(heartbeat);
      exchange.listenStreams.delete(res);
      resolve();
    };
    const sink: MessageSink = {
      send(outgoing) {
        if (answered || res.writableEnded) return;
        const isResponse = !('method' in outgoing);
        if (!streaming && isResponse) {
          const error = (outgoing as { error?: { code: number } }).error;
          writeJson(res, error ? exchange.errorStatus(error.code) : 200, outgoing, headers);
          finish();
          return;
        }
        if (!streaming) openStream();
        res.write(sseFrame(outgoing));
        if (isResponse) {
          res.end();
          finish();
        }
      },
    };
    res.once('close', () => {
      if (answered) return;
      channel.release(sink);
      finish();
    });
    if (listening) {
      openStream();
      exchange.listenStreams.add(res);
    }
    channel.dispatch(message, { auth, sink });
  });
}
