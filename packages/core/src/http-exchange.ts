import type { AuthInfo } from './auth-info.js';
import type { RequestId } from './json-rpc.js';
import type { JSONRPCMessage } from './mcp-types.js';
import type { MessageSink, ServerChannel } from './server-channel.js';

/** One JSON-RPC message posted alone, as {@link answerExchange} answers it. */
export type PostedMessage = JSONRPCMessage & { method: string; id?: RequestId };

/**
 * How an adapter writes the answer of one exchange; it adds the headers every answer of the
 * request carries (CORS). Nothing is written after `end` or `json`.
 */
export interface ExchangeResponder {
  /** Writes a complete answer: a JSON body, or none (`undefined`, e.g. 202). */
  json(status: number, body: unknown): void;
  /**
   * Starts a 200 SSE answer; `longLived` for a stream that stays open until the client goes
   * away (`subscriptions/listen`), which then gets keep-alive comments and is ended at shutdown.
   */
  startStream(longLived: boolean): void;
  /** Writes one SSE event. */
  event(message: JSONRPCMessage): void;
  /** Ends the SSE answer. */
  end(): void;
  /** Calls `listener` once if the client goes away before the answer is complete. */
  onAbort(listener: () => void): void;
}

/** What one exchange needs besides the message. */
export interface Exchange {
  channel: ServerChannel;
  auth: AuthInfo | undefined;
  responder: ExchangeResponder;
  /** The HTTP status of a JSON answer that is a JSON-RPC error with `code`. */
  errorStatus: (code: number) => number;
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
  const { channel, auth, responder } = exchange;
  if (message.id === undefined) {
    channel.dispatch(message, { auth, sink: { send: () => {} } });
    responder.json(202, undefined);
    return Promise.resolve();
  }
  const listening = message.method === 'subscriptions/listen';
  return new Promise((resolve) => {
    let streaming = false;
    let answered = false;
    const finish = () => {
      answered = true;
      resolve();
    };
    const sink: MessageSink = {
      send(outgoing) {
        if (answered) return;
        const isResponse = !('method' in outgoing);
        if (!streaming && isResponse) {
          const error = (outgoing as { error?: { code: number } }).error;
          responder.json(error ? exchange.errorStatus(error.code) : 200, outgoing);
          finish();
          return;
        }
        if (!streaming) {
          streaming = true;
          responder.startStream(false);
        }
        responder.event(outgoing);
        if (isResponse) {
          responder.end();
          finish();
        }
      },
    };
    responder.onAbort(() => {
      if (answered) return;
      channel.release(sink);
      finish();
    });
    if (listening) {
      streaming = true;
      responder.startStream(true);
    }
    channel.dispatch(message, { auth, sink });
  });
}
