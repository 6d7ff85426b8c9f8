import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuthInfo, identityKey, type JSONRPCMessage, type Portcullis } from '@portcullis/core';
import {
  allowsBatches,
  type ClassifiedMessage,
  classifyMessage,
  createOriginPolicy,
  createServerChannel,
  defaultProtocolVersion,
  errorResponse,
  JsonRpcErrorCode,
  legacyProtocolVersions,
  type McpRequestHeaders,
  type MessageSink,
  modernErrorStatus,
  type OriginPolicy,
  type OriginPolicyOptions,
  type RequestId,
  requestHost,
  requestUrl,
  routeHttpPost,
  type ServerChannel,
  supportedProtocolVersions,
  targetFromHeaders,
  withTraceContext,
} from '@portcullis/core/adapter';
import { type CorsOptions, corsHeaders, preflightHeaders } from './cors.js';
import { createMemoryEventStore, type EventStore } from './event-store.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { answerExchange, type PostedMessage } from './request-exchange.js';
import { accepts } from './request-guards.js';
import { requestTarget } from './request-target.js';
import {
  type Session,
  type SessionOptions,
  type SessionRecord,
  SessionStore,
} from './session-store.js';
import { SSE_HEADERS, SseStream } from './sse-stream.js';
import { writeChallenge, writeEmpty, writeJson, writeJsonRpcError } from './write-response.js';

/** Options for {@link createStreamableHttpHandler}. */
export interface StreamableHttpOptions extends OriginPolicyOptions {
  /** The path of the MCP endpoint. Default: the path of `portcullis.resource`. */
  path?: string;
  /**
   * Stateful sessions (`Mcp-Session-Id`), or `false` for stateless mode (the default): no
   * session state at all, JSON answers, any number of instances behind a load balancer, and
   * clients that never send `Mcp-Session-Id` (Casdoor-style plain JSON clients) work.
   */
  sessions?: SessionOptions | false;
  /** Stateful mode: answer requests with JSON instead of an SSE stream. Default false. */
  jsonResponse?: boolean;
  /** Stateful mode: where SSE events are kept for `Last-Event-ID` resumption. Default in memory. */
  eventStore?: EventStore | false;
  /** Largest request body, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** CORS for browser clients; the listed origins are allowed as well. Default off. */
  cors?: CorsOptions;
  /** Trust `X-Forwarded-Host` from a proxy in front. Default false. */
  trustProxy?: boolean;
  /** Seconds between SSE keep-alive comments. Default 25. */
  heartbeatSeconds?: number;
  /** The `retry` a stream's priming event advises clients to wait before reconnecting. Default 1000 ms. */
  retryMs?: number;
}

/** A framework-neutral Streamable HTTP endpoint over raw Node requests and responses. */
export interface StreamableHttpHandler {
  /** The MCP endpoint's path. */
  readonly path: string;
  /** The path of the Protected Resource Metadata, absent when authorization is off. */
  readonly metadataPath: string | undefined;
  /**
   * Answers a request for the MCP path or the metadata path and resolves true; resolves false,
   * touching nothing, for any other path. Pass `parsedBody` when a body parser already ran.
   */
  handle(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<boolean>;
  /** Open sessions (stateful mode). */
  readonly sessionCount: number;
  /** Requests being answered right now. */
  readonly inFlight: number;
  /**
   * Stops taking requests (503), waits for those in flight up to `deadlineMs` (default 10 s),
   * then ends every stream and session.
   */
  close(options?: { deadlineMs?: number }): Promise<void>;
}

const TRANSPORT = 'streamable-http';
const ANONYMOUS = 'anonymous';

type ValidMessage = Exclude<ClassifiedMessage, { kind: 'invalid' }>;
type RequestMessage = Extract<ClassifiedMessage, { kind: 'request' }>;

interface ParsedPost {
  messages: ValidMessage[];
  isBatch: boolean;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly id: RequestId | null = null,
  ) {
    super(message);
  }
}

/** A header's value when it was sent once; repeated headers count as absent. */
function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parsePost(body: unknown): ParsedPost {
  const isBatch = Array.isArray(body);
  const values = isBatch ? (body as unknown[]) : [body];
  if (values.length === 0)
    throw new HttpProblem(400, JsonRpcErrorCode.InvalidRequest, 'an empty batch is not a request');
  const messages = values.map(classifyMessage);
  for (const message of messages) {
    if (message.kind === 'invalid')
      throw new HttpProblem(400, JsonRpcErrorCode.InvalidRequest, message.reason, message.id);
  }
  return { messages: messages as ValidMessage[], isBatch };
}

/**
 * Creates the MCP Streamable HTTP endpoint of a {@link Portcullis}: every request is
 * authenticated; a call whose target needs scopes the token lacks is refused with a 403
 * step-up challenge before any server sees it; stateful sessions are bound to the identity
 * that created them.
 */
export function createStreamableHttpHandler(
  portcullis: Portcullis,
  options: StreamableHttpOptions = {},
): StreamableHttpHandler {
  const path = options.path ?? new URL(portcullis.resource).pathname;
  const metadataPath = portcullis.metadata?.path;
  const maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
  const corsOrigins = new Set(options.cors?.origins ?? []);
  const ownOrigins = createOriginPolicy(portcullis.resource, options);
  /** The resource's origins, and those CORS names as well. */
  const originPolicy: OriginPolicy = {
    allowsHost: ownOrigins.allowsHost,
    hostRefusal: ownOrigins.hostRefusal,
    allowsOrigin: (origin) =>
      ownOrigins.allowsOrigin(origin) || (origin !== undefined && corsOrigins.has(origin)),
  };
  const trustProxy = options.trustProxy ?? false;
  const stateful = options.sessions !== false && options.sessions !== undefined;
  const sessions = stateful ? new SessionStore(options.sessions || {}) : undefined;
  /** Shared session records (several instances): the record, not this process, says what exists. */
  const records = options.sessions ? options.sessions.records : undefined;
  const adoptions = new Map<string, Promise<Session>>();
  const eventStore =
    stateful && options.eventStore !== false
      ? (options.eventStore ?? createMemoryEventStore())
      : undefined;
  const heartbeatMs = (options.heartbeatSeconds ?? 25) * 1000;
  /** Open `subscriptions/listen` streams: they never end by themselves, so shutdown ends them. */
  const listenStreams = new Set<ServerResponse>();
  const retryMs = options.retryMs ?? 1000;
  const primes = (session: Session) =>
    eventStore !== undefined && session.protocolVersion >= '2025-11-25';
  const legacy = new Set(legacyProtocolVersions);

  let sharedChannel: Promise<ServerChannel> | undefined;
  let modernChannel: Promise<ServerChannel> | undefined;
  let closing = false;
  let inFlight = 0;
  const idle = new Set<() => void>();

  const stateless = () => {
    sharedChannel ??= createServerChannel(
      portcullis.createServer({ auth: undefined, transport: TRANSPORT, shared: true }),
    );
    return sharedChannel;
  };

  const ownerOf = (auth: AuthInfo | undefined) => (auth ? identityKey(auth) : ANONYMOUS);

  /** The request's head through the core's admission: the identity, or a challenge written. */
  async function authenticate(
    req: IncomingMessage,
    res: ServerResponse,
    cors: Record<string, string>,
    requestId: RequestId | null,
  ) {
    const host = requestHost(req.headers, trustProxy);
    const admission = await portcullis.admit({
      kind: 'request',
      transport: TRANSPORT,
      browser: { policy: originPolicy, host, origin: req.headers.origin },
      // `headersDistinct`: Node keeps only the first of repeated headers in `headers`.
      authorization: req.headersDistinct.authorization,
      search: requestTarget(req)?.search ?? '',
      // DPoP (RFC 9449): the proof must name this method and this URL, as clients see it.
      dpop: req.headersDistinct.dpop,
      method: req.method ?? 'POST',
      url: requestUrl(portcullis.resource, host, path),
    });
    if (!admission.admitted) {
      writeChallenge(res, portcullis.challenge(admission.refusal, requestId), cors);
      return undefined;
    }
    // The SDK's convention: the verified identity rides on the request, for logging middleware.
    (req as IncomingMessage & { auth?: AuthInfo }).auth = admission.auth;
    return { auth: admission.auth };
  }

  /**
   * The session a request names, or an answer written and `undefined`. With shared session
   * records, the record decides on every request (ended elsewhere, owner); a session opened
   * on another instance is adopted here.
   */
  async function findSession(
    req: IncomingMessage,
    res: ServerResponse,
    auth: AuthInfo | undefined,
    cors: Record<string, string>,
    id: RequestId | null,
  ) {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId !== 'string' || sessionId === '') {
      writeJsonRpcError(
        res,
        400,
        id,
        JsonRpcErrorCode.InvalidRequest,
        'Bad Request: Mcp-Session-Id header is required',
        cors,
      );
      return undefined;
    }
    let session = sessions!.get(sessionId);
    if (records) {
      const record = await loadRecord(sessionId, id);
      if (!record) {
        if (session) void sessions!.delete(sessionId);
        session = undefined;
      } else if (record.owner !== ownerOf(auth)) {
        // Only its owner matters: the checks below audit the mismatch and answer 404.
        session = { owner: record.owner } as Session;
      } else if (!session) {
        session = await adoptSession(record, auth, id);
      }
    }
    if (session && session.owner !== ownerOf(auth)) {
      portcullis.audit({
        type: 'session_mismatch',
        issuer: auth?.issuer ?? '',
        subject: auth?.subject ?? '',
        clientId: auth?.clientId ?? '',
        transport: TRANSPORT,
      });
    }
    if (!session || session.owner !== ownerOf(auth)) {
      writeJsonRpcError(res, 404, id, -32001, 'Session not found', cors);
      return undefined;
    }
    session.lastActivity = Date.now();
    return session;
  }

  /** The shared record of a session; the store being unreachable refuses the request (503). */
  async function loadRecord(sessionId: string, id: RequestId | null) {
    try {
      return await records!.load(sessionId);
    } catch (error) {
      portcullis.logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'session store unavailable',
      );
      throw new HttpProblem(
        503,
        JsonRpcErrorCode.InternalError,
        'the session store is unavailable; try again later',
        id,
      );
    }
  }

  /**
   * Serves here a session opened on another instance: a server of its own, told the client's
   * `initialize` again so it knows the negotiated version and the client's capabilities.
   * Concurrent requests of one session share the adoption.
   */
  function adoptSession(record: SessionRecord, auth: AuthInfo | undefined, id: RequestId | null) {
    let adoption = adoptions.get(record.id);
    if (!adoption) {
      adoption = (async () => {
        const claim = sessions!.claim(record.owner);
        if (!claim)
          throw new HttpProblem(503, JsonRpcErrorCode.InternalError, 'too many sessions', id);
        let channel: ServerChannel;
        try {
          channel = await createServerChannel(
            portcullis.createServer({ auth, transport: TRANSPORT }),
            { sessionId: record.id },
          );
          if (record.initialize) {
            await new Promise<void>((resolve) => {
              const message = { jsonrpc: '2.0', id: 0, method: 'initialize' } as const;
              channel.dispatch({ ...message, params: record.initialize } as JSONRPCMessage, {
                auth,
                sink: { send: () => resolve() },
              });
            });
            channel.dispatch(
              { jsonrpc: '2.0', method: 'notifications/initialized' },
              {
                auth,
                sink: { send: () => {} },
              },
            );
          }
        } catch (error) {
          claim.release();
          throw error;
        }
        const session = newSession(record.id, record.owner, channel, record.protocolVersion);
        session.initialize = record.initialize;
        claim.add(session);
        return session;
      })();
      adoptions.set(record.id, adoption);
      void adoption.finally(() => adoptions.delete(record.id)).catch(() => undefined);
    }
    return adoption;
  }

  function newSession(id: string, owner: string, channel: ServerChannel, protocolVersion: string) {
    const session: Session = {
      id,
      owner,
      channel,
      protocolVersion,
      lastActivity: Date.now(),
      activeRequests: 0,
      standalone: undefined,
      streams: new Map(),
    };
    channel.onUnrelated = (message) => {
      void session.standalone?.send(message);
    };
    return session;
  }

  async function openSession(auth: AuthInfo | undefined): Promise<Session | undefined> {
    const claim = sessions!.claim(ownerOf(auth));
    if (!claim) return undefined;
    const id = randomUUID();
    let channel: ServerChannel;
    try {
      channel = await createServerChannel(portcullis.createServer({ auth, transport: TRANSPORT }), {
        sessionId: id,
      });
    } catch (error) {
      claim.release();
      throw error;
    }
    const session = newSession(id, ownerOf(auth), channel, defaultProtocolVersion);
    claim.add(session);
    return session;
  }

  /** The 2026-07-28 request headers of `req`. */
  const mcpHeaders = (req: IncomingMessage): McpRequestHeaders => ({
    protocolVersion: single(req.headers['mcp-protocol-version']),
    method: single(req.headers['mcp-method']),
    name: single(req.headers['mcp-name']),
    get: (name) => single(req.headers[name]),
  });

  const modern = () => {
    modernChannel ??= createServerChannel(
      portcullis.createServer({ auth: undefined, transport: TRANSPORT, shared: true }),
      { era: 'modern' },
    );
    return modernChannel;
  };

  async function handlePost(
    req: IncomingMessage,
    res: ServerResponse,
    cors: Record<string, string>,
    parsedBody: unknown,
  ) {
    const accept = req.headers.accept;
    if (!accepts(accept, 'application/json') || !accepts(accept, 'text/event-stream')) {
      throw new HttpProblem(
        406,
        JsonRpcErrorCode.InvalidRequest,
        'Not Acceptable: the client must accept both application/json and text/event-stream',
      );
    }
    if (parsedBody === undefined) {
      const contentType = req.headers['content-type'] ?? '';
      if (!contentType.toLowerCase().startsWith('application/json')) {
        throw new HttpProblem(
          415,
          JsonRpcErrorCode.InvalidRequest,
          'Unsupported Media Type: the body must be application/json',
        );
      }
    }

    // The caller is authenticated from the headers before a byte of the body is read.
    const authenticated = await authenticate(req, res, cors, null);
    if (!authenticated) return;
    const { auth } = authenticated;
    const headers = mcpHeaders(req);
    // 2026-07-28 names the target in its headers: a denied call costs no body read at all.
    const target = targetFromHeaders(headers);
    const early = target && portcullis.authorize(target, auth, TRANSPORT);
    if (early) {
      writeChallenge(res, portcullis.challenge(early, null), cors);
      return;
    }

    let body = parsedBody;
    if (body === undefined) {
      const raw = await readBody(req, maxBodyBytes);
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpProblem(
          400,
          JsonRpcErrorCode.ParseError,
          'Parse error: the body is not valid JSON',
        );
      }
    }

    const route = routeHttpPost(body, headers, portcullis.registry);
    if (route.kind === 'reject') {
      writeJson(
        res,
        route.status,
        errorResponse(route.id, route.code, route.message, route.data),
        cors,
      );
      return;
    }
    if (route.kind === 'modern') {
      const denial = portcullis.authorize(route.message, auth, TRANSPORT);
      if (denial) {
        writeChallenge(res, portcullis.challenge(denial, route.message.id ?? null), cors);
        return;
      }
      await answerExchange(route.message, {
        res,
        channel: await modern(),
        auth,
        headers: cors,
        heartbeatMs,
        errorStatus: modernErrorStatus,
        listenStreams,
      });
      return;
    }
    await handleLegacyPost(req, res, cors, body, auth);
  }

  async function handleLegacyPost(
    req: IncomingMessage,
    res: ServerResponse,
    cors: Record<string, string>,
    body: unknown,
    auth: AuthInfo | undefined,
  ) {
    const { messages, isBatch } = parsePost(body);
    const requests = messages.filter(
      (message): message is RequestMessage => message.kind === 'request',
    );
    const firstId = requests[0]?.message.id ?? null;

    const initialize = requests.find((message) => message.message.method === 'initialize');
    if (initialize && messages.length > 1) {
      throw new HttpProblem(
        400,
        JsonRpcErrorCode.InvalidRequest,
        'initialize must be sent alone, not in a batch',
        initialize.message.id,
      );
    }
    const headerVersion = req.headers['mcp-protocol-version'];
    if (!initialize && typeof headerVersion === 'string' && !legacy.has(headerVersion)) {
      throw new HttpProblem(
        400,
        JsonRpcErrorCode.InvalidRequest,
        `Bad Request: unsupported protocol version ${headerVersion} (supported: ${supportedProtocolVersions.join(', ')})`,
        firstId,
      );
    }

    let session: Session | undefined;
    if (stateful) {
      if (initialize) {
        if (req.headers['mcp-session-id']) {
          throw new HttpProblem(
            400,
            JsonRpcErrorCode.InvalidRequest,
            'initialize must not name a session',
            initialize.message.id,
          );
        }
        session = await openSession(auth);
        if (session) session.initialize = initialize.message.params;
        if (!session)
          throw new HttpProblem(
            503,
            JsonRpcErrorCode.InternalError,
            'too many sessions; try again later',
            initialize.message.id,
          );
      } else {
        session = await findSession(req, res, auth, cors, firstId);
        if (!session) return;
      }
    }
    const version =
      typeof headerVersion === 'string'
        ? headerVersion
        : (session?.protocolVersion ?? defaultProtocolVersion);
    if (isBatch && !allowsBatches(version)) {
      throw new HttpProblem(
        400,
        JsonRpcErrorCode.InvalidRequest,
        `JSON-RPC batches are not allowed in protocol version ${version}`,
        firstId,
      );
    }

    for (const request of requests) {
      const denial = portcullis.authorize(request.message, auth, TRANSPORT);
      if (denial) {
        writeChallenge(res, portcullis.challenge(denial, request.message.id), cors);
        return;
      }
    }

    const channel = session ? session.channel : await stateless();
    const sessionHeader: Record<string, string> = session ? { 'mcp-session-id': session.id } : {};

    if (requests.length === 0) {
      const sink: MessageSink = { send: () => {} };
      for (const message of messages) channel.dispatch(message.message, { auth, sink });
      writeEmpty(res, 202, { ...cors, ...sessionHeader });
      return;
    }

    if (!session && !isBatch) {
      // Stateless: JSON, or an SSE stream once progress, logs or a server-to-client request
      // come before the result; the client's answers to such requests come back as POSTs.
      await answerExchange(requests[0]!.message as PostedMessage, {
        res,
        channel,
        auth,
        headers: cors,
        heartbeatMs,
        errorStatus: () => 200,
        listenStreams,
      });
      return;
    }

    if (session) session.activeRequests += 1;
    try {
      if (session && !options.jsonResponse) {
        await answerWithStream(res, session, channel, messages, auth, {
          ...cors,
          ...sessionHeader,
        });
      } else {
        await answerWithJson(res, session, channel, messages, requests.length, isBatch, auth, {
          ...cors,
          ...sessionHeader,
        });
      }
    } finally {
      if (session) {
        session.activeRequests -= 1;
        session.lastActivity = Date.now();
      }
    }
  }

  const noteVersion = (session: Session | undefined, message: JSONRPCMessage) => {
    const result = (message as { result?: { protocolVersion?: unknown } }).result;
    if (session && typeof result?.protocolVersion === 'string') {
      session.protocolVersion = result.protocolVersion;
      // The initialize result: from now on any instance may serve the session.
      records
        ?.save({
          id: session.id,
          owner: session.owner,
          protocolVersion: session.protocolVersion,
          initialize: session.initialize,
        })
        .catch((error: unknown) =>
          portcullis.logger.error(
            { err: error instanceof Error ? error.message : String(error) },
            'session record not saved',
          ),
        );
    }
  };

  function answerWithJson(
    res: ServerResponse,
    session: Session | undefined,
    channel: ServerChannel,
    messages: ValidMessage[],
    expected: number,
    isBatch: boolean,
    auth: AuthInfo | undefined,
    headers: Record<string, string>,
  ): Promise<void> {
    return new Promise((resolve) => {
      const responses: JSONRPCMessage[] = [];
      const sink: MessageSink = {
        send(message) {
          if ('method' in message) return;
          noteVersion(session, message);
          responses.push(message);
          if (responses.length < expected) return;
          writeJson(res, 200, isBatch ? responses : responses[0], headers);
          resolve();
        },
      };
      res.once('close', () => {
        if (responses.length < expected) {
          channel.release(sink);
          resolve();
        }
      });
      for (const message of messages) channel.dispatch(message.message, { auth, sink });
    });
  }

  async function answerWithStream(
    res: ServerResponse,
    session: Session,
    channel: ServerChannel,
    messages: ValidMessage[],
    auth: AuthInfo | undefined,
    headers: Record<string, string>,
  ): Promise<void> {
    const stream = new SseStream(`${session.id}.${randomUUID()}`, eventStore);
    res.writeHead(200, { ...headers, ...SSE_HEADERS });
    res.flushHeaders();
    stream.attach(res);
    session.streams.set(stream.id, stream);
    if (primes(session)) await stream.prime(retryMs);
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
            noteVersion(session, message);
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
      for (const message of messages)
        channel.dispatch(message.message, { auth, sink, closeStream });
    });
  }

  /**
   * GET and DELETE act on a session: 405 in stateless mode, then the caller is authenticated and
   * must own the session named. Writes the answer and returns `undefined` otherwise.
   */
  async function ownSession(
    req: IncomingMessage,
    res: ServerResponse,
    cors: Record<string, string>,
    missing: string,
  ) {
    if (!stateful) {
      writeJsonRpcError(
        res,
        405,
        null,
        JsonRpcErrorCode.InvalidRequest,
        `Method Not Allowed: this endpoint is stateless and has no ${missing}`,
        {
          ...cors,
          allow: 'POST, OPTIONS',
        },
      );
      return undefined;
    }
    const authenticated = await authenticate(req, res, cors, null);
    if (!authenticated) return undefined;
    return await findSession(req, res, authenticated.auth, cors, null);
  }

  async function handleGet(
    req: IncomingMessage,
    res: ServerResponse,
    cors: Record<string, string>,
  ) {
    if (stateful && !accepts(req.headers.accept, 'text/event-stream')) {
      throw new HttpProblem(
        406,
        JsonRpcErrorCode.InvalidRequest,
        'Not Acceptable: the client must accept text/event-stream',
      );
    }
    const session = await ownSession(req, res, cors, 'GET stream');
    if (!session) return;

    const lastEventId = req.headers['last-event-id'];
    if (typeof lastEventId === 'string' && eventStore) {
      const streamId = await eventStore.getStreamIdForEventId?.(lastEventId);
      if (
        !streamId ||
        (!streamId.startsWith(`${session.id}.`) && streamId !== `${session.id}:standalone`)
      ) {
        throw new HttpProblem(
          400,
          JsonRpcErrorCode.InvalidRequest,
          'Bad Request: Last-Event-ID does not belong to this session',
        );
      }
      res.writeHead(200, { ...cors, ...SSE_HEADERS, 'mcp-session-id': session.id });
      await eventStore.replayEventsAfter(lastEventId, {
        send: async (eventId, message) => SseStream.writeReplayed(res, eventId, message),
      });
      const live =
        streamId === `${session.id}:standalone`
          ? session.standalone
          : session.streams.get(streamId);
      if (live && !live.ended) {
        live.attach(res);
        if (live === session.standalone) keepAlive(res, live);
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
    res.writeHead(200, { ...cors, ...SSE_HEADERS, 'mcp-session-id': session.id });
    res.flushHeaders();
    session.standalone ??= new SseStream(`${session.id}:standalone`, eventStore);
    session.standalone.attach(res);
    if (primes(session)) await session.standalone.prime(retryMs);
    keepAlive(res, session.standalone);
  }

  function keepAlive(res: ServerResponse, stream: SseStream) {
    const timer = setInterval(() => stream.heartbeat(), heartbeatMs);
    timer.unref();
    res.once('close', () => clearInterval(timer));
  }

  async function handleDelete(
    req: IncomingMessage,
    res: ServerResponse,
    cors: Record<string, string>,
  ) {
    const session = await ownSession(req, res, cors, 'sessions');
    if (!session) return;
    if (records) {
      try {
        await records.delete(session.id);
      } catch {
        throw new HttpProblem(
          503,
          JsonRpcErrorCode.InternalError,
          'the session store is unavailable',
        );
      }
    }
    await sessions!.delete(session.id);
    writeEmpty(res, 204, cors);
  }

  function serveMetadata(req: IncomingMessage, res: ServerResponse) {
    if (req.method === 'OPTIONS') {
      writeEmpty(res, 204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, OPTIONS',
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      writeEmpty(res, 405, { allow: 'GET, HEAD, OPTIONS' });
      return;
    }
    writeJson(res, 200, portcullis.metadata!.document, {
      'access-control-allow-origin': '*',
      'cache-control': 'public, max-age=300',
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse, parsedBody: unknown) {
    const origin = req.headers.origin;
    const dpop = portcullis.dpop !== undefined;
    const cors =
      origin && options.cors && originPolicy.allowsOrigin(origin) ? corsHeaders(origin, dpop) : {};
    // Host and Origin first, through the core's admission: a preflight is answered only after.
    const browser = await portcullis.admit({
      kind: 'origin',
      transport: TRANSPORT,
      browser: { policy: originPolicy, host: requestHost(req.headers, trustProxy), origin },
    });
    if (!browser.admitted) {
      writeChallenge(res, portcullis.challenge(browser.refusal), {});
      return;
    }
    if (req.method === 'OPTIONS') {
      writeEmpty(
        res,
        204,
        options.cors && origin
          ? { ...cors, ...preflightHeaders(options.cors, dpop) }
          : { allow: 'GET, POST, DELETE, OPTIONS' },
      );
      return;
    }
    if (closing) {
      writeJsonRpcError(
        res,
        503,
        null,
        JsonRpcErrorCode.InternalError,
        'the server is shutting down',
        { ...cors, connection: 'close' },
      );
      return;
    }
    try {
      if (req.method === 'POST') await handlePost(req, res, cors, parsedBody);
      else if (req.method === 'GET') await handleGet(req, res, cors);
      else if (req.method === 'DELETE') await handleDelete(req, res, cors);
      else
        writeJsonRpcError(res, 405, null, JsonRpcErrorCode.InvalidRequest, 'Method Not Allowed', {
          ...cors,
          allow: 'GET, POST, DELETE, OPTIONS',
        });
    } catch (error) {
      if (error instanceof HttpProblem)
        writeJsonRpcError(res, error.status, error.id, error.code, error.message, cors);
      else if (error instanceof BodyTooLargeError)
        writeJsonRpcError(
          res,
          413,
          null,
          JsonRpcErrorCode.InvalidRequest,
          `Payload Too Large: ${error.message}`,
          { ...cors, connection: 'close' },
        );
      else throw error;
    }
  }

  return {
    path,
    metadataPath,
    get sessionCount() {
      return sessions?.size ?? 0;
    },
    get inFlight() {
      return inFlight;
    },
    async handle(req, res, parsedBody) {
      const target = requestTarget(req);
      if (metadataPath !== undefined && target?.pathname === metadataPath) {
        serveMetadata(req, res);
        return true;
      }
      if (target?.pathname !== path) return false;
      inFlight += 1;
      try {
        // The caller's `traceparent` (if any) is the parent of the spans of this request.
        await withTraceContext(req.headers, () => route(req, res, parsedBody));
      } catch (error) {
        if (error instanceof HttpProblem) {
          writeJsonRpcError(res, error.status, error.id, error.code, error.message);
        } else {
          portcullis.logger.error(
            { err: error instanceof Error ? error.message : String(error) },
            'streamable HTTP request failed',
          );
          writeJsonRpcError(res, 500, null, JsonRpcErrorCode.InternalError, 'Internal error');
        }
      } finally {
        inFlight -= 1;
        if (inFlight === 0) for (const notify of idle) notify();
      }
      return true;
    },
    async close({ deadlineMs = 10_000 } = {}) {
      closing = true;
      for (const stream of listenStreams) stream.end();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            idle.delete(done);
            resolve();
          };
          const timer = setTimeout(done, deadlineMs);
          idle.add(done);
        });
      }
      await sessions?.closeAll();
      if (sharedChannel) await (await sharedChannel).close();
      if (modernChannel) await (await modernChannel).close();
    },
  };
}
