import type {
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/sdk/shared/transport.js';
import type { AuthInfo } from './auth-info.js';
import type { RequestId } from './json-rpc.js';
import type { JSONRPCMessage } from './mcp-types.js';
import type { McpServer } from './server-factory.js';

/** Where the messages for one client (or one HTTP request) go. */
export interface MessageSink {
  send(message: JSONRPCMessage): void;
}

/** What comes with a message handed to the server. */
export interface DispatchOptions {
  /** The identity verified for this very message. */
  auth?: AuthInfo;
  /** Receives the response and every message the server relates to this request. */
  sink: MessageSink;
  /** Ends the request's stream early, where the transport has one (SEP-1699 polling). */
  closeStream?: () => void;
}

/**
 * A connected MCP server that many clients (or many HTTP requests) can share.
 *
 * Each request's id is replaced by an internal one on the way in and restored on the way out,
 * so ids chosen by different clients never collide, and the response and related
 * notifications reach the sink of the request that caused them. Messages the server sends on
 * its own (not related to a request) go to `onUnrelated`.
 */
export interface ServerChannel {
  /** Hands one client message to the server. */
  dispatch(message: JSONRPCMessage, options: DispatchOptions): void;
  /** Forgets every pending request of `sink` (its client went away) and cancels them. */
  release(sink: MessageSink): void;
  /** Receives server messages that belong to no request (list changes, server requests…). */
  onUnrelated: ((message: JSONRPCMessage) => void) | undefined;
  /** The number of requests still waiting for their response. */
  readonly pending: number;
  close(): Promise<void>;
}

interface PendingRequest {
  originalId: RequestId;
  sink: MessageSink;
}

class ChannelTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  sessionId?: string;
  deliver: (message: JSONRPCMessage, options?: TransportSendOptions) => void = () => {};

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    this.deliver(message, options);
  }

  async close(): Promise<void> {
    this.onclose?.();
  }
}

/** Connects `server` to a new {@link ServerChannel}. `sessionId` is shown to handlers. */
export async function createServerChannel(
  server: McpServer,
  sessionId?: string,
): Promise<ServerChannel> {
  const transport = new ChannelTransport();
  transport.sessionId = sessionId;
  const pending = new Map<number, PendingRequest>();
  const bySink = new Map<MessageSink, Map<RequestId, number>>();
  let nextId = 1;

  const forget = (internalId: number) => {
    const entry = pending.get(internalId);
    if (!entry) return undefined;
    pending.delete(internalId);
    const ids = bySink.get(entry.sink);
    ids?.delete(entry.originalId);
    if (ids?.size === 0) bySink.delete(entry.sink);
    return entry;
  };

  const channel: ServerChannel = {
    onUnrelated: undefined,
    get pending() {
      return pending.size;
    },
    dispatch(message, { auth, sink, closeStream }) {
      const extra =
        auth || closeStream
          ? { ...(auth && { authInfo: auth }), ...(closeStream && { closeSSEStream: closeStream }) }
          : undefined;
      const record = message as Record<string, unknown>;
      if ('method' in record && 'id' in record) {
        const internalId = nextId++;
        pending.set(internalId, { originalId: record.id as RequestId, sink });
        const ids = bySink.get(sink) ?? new Map<RequestId, number>();
        bySink.set(sink, ids);
        ids.set(record.id as RequestId, internalId);
        transport.onmessage?.({ ...record, id: internalId } as JSONRPCMessage, extra);
        return;
      }
      if (record.method === 'notifications/cancelled') {
        const params = record.params as { requestId?: RequestId } | undefined;
        const internalId =
          params?.requestId === undefined ? undefined : bySink.get(sink)?.get(params.requestId);
        if (internalId === undefined) return;
        transport.onmessage?.(
          { ...record, params: { ...params, requestId: internalId } } as unknown as JSONRPCMessage,
          extra,
        );
        return;
      }
      transport.onmessage?.(message, extra);
    },
    release(sink) {
      const ids = bySink.get(sink);
      if (!ids) return;
      for (const internalId of [...ids.values()]) {
        forget(internalId);
        transport.onmessage?.({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: internalId, reason: 'the client went away' },
        });
      }
    },
    close: () => server.close(),
  };

  transport.deliver = (message, options) => {
    const record = message as Record<string, unknown>;
    const isResponse = !('method' in record) && 'id' in record;
    if (isResponse) {
      const entry = forget(record.id as number);
      if (entry) entry.sink.send({ ...record, id: entry.originalId } as JSONRPCMessage);
      return;
    }
    const related =
      options?.relatedRequestId === undefined
        ? undefined
        : pending.get(options.relatedRequestId as number);
    if (related) related.sink.send(message);
    else channel.onUnrelated?.(message);
  };

  await server.connect(transport);
  return channel;
}
