import { randomUUID } from 'node:crypto';
import {
  type MessageClassification,
  type MessageExtraInfo,
  PerRequestHTTPServerTransport,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import { context } from '@opentelemetry/api';
import { type AuthInfo, identityKey } from './auth-info.js';
import { errorResponse, type RequestId } from './json-rpc.js';
import type { JSONRPCMessage } from './mcp-types.js';
import {
  modernProtocolVersions,
  type ProtocolEra,
  unsupportedRevision,
} from './protocol-versions.js';
import type { McpServer } from './server-factory.js';
import { observeRequest, type RequestObservation } from './telemetry/request-observation.js';
import { labelsOf } from './telemetry/server-labels.js';

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
  /** Who sent it (issuer, subject, client), or `null` with authorization off. */
  caller: string | null;
  /** The ids of the server's requests made while serving it, forgotten with it (none: unset). */
  asked?: string[];
  /** Its span and duration, when OpenTelemetry is configured. */
  observation: RequestObservation | undefined;
}

/** A request the server sent to a client, waiting for the client's response. */
interface ServerRequest {
  /** The server's own id of the request. */
  internalId: RequestId;
  /** Who may answer it: the caller of the request it serves, `undefined` for any. */
  caller: string | null | undefined;
}

/** The channel's side of the SDK transport seam: what the server sends goes to `deliver`. */
interface ChannelTransport extends Transport {
  sessionId?: string;
  deliver: (message: JSONRPCMessage, options?: TransportSendOptions) => void;
}

/** A transport for 2025-era traffic: the server learns the revision from `initialize`. */
class LegacyChannelTransport implements ChannelTransport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  sessionId?: string;
  deliver: ChannelTransport['deliver'] = () => {};

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    this.deliver(message, options);
  }

  async close(): Promise<void> {
    this.onclose?.();
  }
}

const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const MAX_OPEN_SERVER_REQUESTS = 1024;

const MODERN: MessageClassification = { era: 'modern', revision: modernProtocolVersions[0] };

/**
 * A transport for 2026-07-28 traffic that stays connected and serves any number of requests.
 *
 * The SDK binds a server to the stateless revision when it connects through its per-request
 * HTTP transport; this subclass keeps that binding but replaces the single exchange with the
 * channel's routing, so one server serves every modern request instead of one per request.
 */
class ModernChannelTransport extends PerRequestHTTPServerTransport implements ChannelTransport {
  sessionId?: string;
  deliver: ChannelTransport['deliver'] = () => {};

  constructor() {
    super({ classification: MODERN });
  }

  override async start(): Promise<void> {}

  override async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    this.deliver(message, options);
  }

  override async close(): Promise<void> {
    this.onclose?.();
  }
}

const SUBSCRIPTION_ID_KEY = 'io.modelcontextprotocol/subscriptionId';

/**
 * `message` with the request id the server echoes in `_meta` (a `subscriptions/listen`
 * stream's subscription id, in its notifications and its final result) turned back from the
 * channel's internal id into the client's own.
 */
function withClientIds(
  message: JSONRPCMessage | Record<string, unknown>,
  field: 'params' | 'result',
  internalId: RequestId | undefined,
  clientId: RequestId,
): JSONRPCMessage {
  const holder = (message as Record<string, { _meta?: Record<string, unknown> } | undefined>)[
    field
  ];
  if (internalId === undefined || holder?._meta?.[SUBSCRIPTION_ID_KEY] !== internalId)
    return message as JSONRPCMessage;
  return {
    ...message,
    [field]: { ...holder, _meta: { ...holder._meta, [SUBSCRIPTION_ID_KEY]: clientId } },
  } as JSONRPCMessage;
}

/** Options for {@link createServerChannel}. */
export interface ServerChannelOptions {
  /** Shown to handlers as the session id (2025-era stateful sessions). */
  sessionId?: string;
  /**
   * `legacy` (default): 2025-era clients that start with `initialize`. `modern`: 2026-07-28
   * requests, each with its own `_meta` envelope; no handshake, no session.
   */
  era?: ProtocolEra;
}

/** Connects `server` to a new {@link ServerChannel} of one protocol era. */
export async function createServerChannel(
  server: McpServer,
  options: ServerChannelOptions = {},
): Promise<ServerChannel> {
  const modern = options.era === 'modern';
  const transport: ChannelTransport = modern
    ? new ModernChannelTransport()
    : new LegacyChannelTransport();
  transport.sessionId = options.sessionId;
  const pending = new Map<number, PendingRequest>();
  const bySink = new Map<MessageSink, Map<RequestId, number>>();
  const serverRequests = new Map<string, ServerRequest>();
  let nextId = 1;
  const callerOf = (auth: AuthInfo | undefined) => (auth ? identityKey(auth) : null);
  const labels = labelsOf(server);
  const observe = (record: Record<string, unknown>, auth: AuthInfo | undefined) => {
    const params = record.params as { _meta?: Record<string, unknown> } | undefined;
    const named = modern ? params?._meta?.[PROTOCOL_VERSION_KEY] : undefined;
    return observeRequest(
      {
        method: record.method as string,
        id: record.id,
        params,
        auth,
        sessionId: options.sessionId,
        protocolVersion: typeof named === 'string' ? named : server.getNegotiatedProtocolVersion(),
      },
      labels!,
    );
  };

  const forget = (internalId: number) => {
    const entry = pending.get(internalId);
    if (!entry) return undefined;
    pending.delete(internalId);
    if (entry.asked) for (const id of entry.asked) serverRequests.delete(id);
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
      const extra: MessageExtraInfo | undefined =
        auth || closeStream || modern
          ? {
              ...(auth && { authInfo: auth }),
              ...(closeStream && { closeSSEStream: closeStream }),
              ...(modern && { classification: MODERN }),
            }
          : undefined;
      const record = message as Record<string, unknown>;
      if ('method' in record && 'id' in record) {
        if (modern) {
          // The SDK checks the envelope's shape; the revision it names is checked here.
          const meta = (record.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
          const named = meta?.[PROTOCOL_VERSION_KEY];
          const unsupported = typeof named === 'string' ? unsupportedRevision(named) : undefined;
          if (unsupported) {
            sink.send(
              errorResponse(
                record.id as RequestId,
                unsupported.code,
                unsupported.message,
                unsupported.data,
              ) as JSONRPCMessage,
            );
            return;
          }
        }
        const internalId = nextId++;
        const observation = labels && observe(record, auth);
        pending.set(internalId, {
          originalId: record.id as RequestId,
          sink,
          caller: callerOf(auth),
          observation,
        });
        const ids = bySink.get(sink) ?? new Map<RequestId, number>();
        bySink.set(sink, ids);
        ids.set(record.id as RequestId, internalId);
        const forwarded = { ...record, id: internalId } as JSONRPCMessage;
        // The handler runs in the request's trace context: its spans are the request span's children.
        if (observation)
          context.with(observation.context, () => transport.onmessage?.(forwarded, extra));
        else transport.onmessage?.(forwarded, extra);
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
      if (!('method' in record)) {
        // A client's answer to a server request: accepted only under the id the client was
        // given, and only from the caller whose request it serves. The ids are random, so
        // clients sharing a channel can neither guess nor answer each other's.
        const asked = typeof record.id === 'string' ? serverRequests.get(record.id) : undefined;
        if (!asked || (asked.caller !== undefined && asked.caller !== callerOf(auth))) return;
        serverRequests.delete(record.id as string);
        transport.onmessage?.({ ...record, id: asked.internalId } as JSONRPCMessage, extra);
        return;
      }
      transport.onmessage?.(message, extra);
    },
    release(sink) {
      const ids = bySink.get(sink);
      if (!ids) return;
      for (const internalId of [...ids.values()]) {
        forget(internalId)?.observation?.end(undefined);
        transport.onmessage?.({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: internalId, reason: 'the client went away' },
        } as JSONRPCMessage);
      }
    },
    close: () => server.close(),
  };

  transport.deliver = (message, options) => {
    const record = message as Record<string, unknown>;
    const isResponse = !('method' in record) && 'id' in record;
    if (isResponse) {
      const entry = forget(record.id as number);
      entry?.observation?.end(record);
      if (entry)
        entry.sink.send(
          withClientIds(
            { ...record, id: entry.originalId },
            'result',
            record.id as RequestId,
            entry.originalId,
          ),
        );
      return;
    }
    const related =
      options?.relatedRequestId === undefined
        ? undefined
        : pending.get(options.relatedRequestId as number);
    if ('id' in record) {
      const id = randomUUID();
      serverRequests.set(id, { internalId: record.id as RequestId, caller: related?.caller });
      if (related) {
        related.asked ??= [];
        related.asked.push(id);
      }
      // Requests of no client request (a session's standalone stream) are bounded in number.
      if (serverRequests.size > MAX_OPEN_SERVER_REQUESTS)
        serverRequests.delete(serverRequests.keys().next().value as string);
      message = { ...record, id } as JSONRPCMessage;
    }
    if (related)
      related.sink.send(
        withClientIds(message, 'params', options?.relatedRequestId, related.originalId),
      );
    else channel.onUnrelated?.(message);
  };

  await server.connect(transport);
  return channel;
}
