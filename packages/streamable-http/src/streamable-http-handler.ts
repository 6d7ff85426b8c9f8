import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo, Portcullis } from '@portcullis/core';
import {
  answerExchange,
  type BodyDecision,
  batchRefusal,
  type CorsOptions,
  createHttpDecision,
  createStatelessChannels,
  dispatchAll,
  JsonRpcErrorCode,
  modernErrorStatus,
  type OriginPolicyOptions,
  type PostHead,
  payloadTooLargeAnswer,
  primesStreams,
  refusalAnswer,
  type SessionRequest,
  withTraceContext,
} from '@portcullis/core/adapter';
import { createMemoryEventStore, type EventStore } from './event-store.js';
import { HttpProblem } from './http-problem.js';
import { createNodeResponder } from './node-responder.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { type RequestTarget, requestTarget } from './request-target.js';
import { answerWithJson, answerWithStream } from './session-answers.js';
import { answerSessionGet } from './session-get.js';
import { createSessionRoom, type SessionRoom } from './session-room.js';
import type { Session, SessionOptions } from './session-store.js';
import { writeAnswer, writeEmpty, writeJsonRpcError } from './write-response.js';

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
  /**
   * Largest request body, in bytes, of the methods that carry content (`tools/call`,
   * `prompts/get`, `completion/complete`, `subscriptions/listen`, responses to the server);
   * every other method may send at most 64 KiB. Default 1 MiB.
   */
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

/** The head of a node:http request, as the core's decision step reads it. */
function requestHead(req: IncomingMessage, pathname: string, search: string, parsed: boolean) {
  return {
    method: req.method ?? 'GET',
    pathname,
    search,
    bodyParsed: parsed,
    header: (name: string) => {
      const value = req.headers[name];
      return typeof value === 'string' ? value : value?.join(', ');
    },
    // `headersDistinct`: Node keeps only the first of repeated credentials in `headers`.
    headerValues: (name: 'authorization' | 'dpop') => req.headersDistinct[name],
  };
}

/**
 * Creates the MCP Streamable HTTP endpoint of a {@link Portcullis} over node:http: the core's
 * decision step admits the caller and decides each request (refusals, challenges, the era, how
 * it is answered); this handler reads the body, keeps the sessions and writes the answers.
 */
export function createStreamableHttpHandler(
  portcullis: Portcullis,
  options: StreamableHttpOptions = {},
): StreamableHttpHandler {
  const stateful = options.sessions !== false && options.sessions !== undefined;
  const decision = createHttpDecision(portcullis, {
    ...options,
    sessions: stateful,
    transport: TRANSPORT,
  });
  const sessions: SessionRoom | undefined = stateful
    ? createSessionRoom(portcullis, options.sessions || {}, TRANSPORT)
    : undefined;
  const eventStore =
    stateful && options.eventStore !== false
      ? (options.eventStore ?? createMemoryEventStore())
      : undefined;
  const heartbeatMs = (options.heartbeatSeconds ?? 25) * 1000;
  const retryMs = options.retryMs ?? 1000;
  /** Open `subscriptions/listen` streams: they never end by themselves, so shutdown ends them. */
  const listenStreams = new Set<ServerResponse>();
  const channels = createStatelessChannels(portcullis, TRANSPORT);
  const streamOptions = (session: Session) => ({
    eventStore,
    primes: eventStore !== undefined && primesStreams(session.protocolVersion),
    retryMs,
    heartbeatMs,
  });
  let inFlight = 0;
  const idle = new Set<() => void>();

  /** The session a request names, owned by its caller; 404 otherwise. */
  async function ownSession(request: SessionRequest, id: string | number | null) {
    const session = await sessions!.find(request.sessionId, request.auth, id);
    if (!session) throw new HttpProblem(404, -32001, 'Session not found', id);
    return session;
  }

  async function readPostBody(req: IncomingMessage, post: PostHead, parsedBody: unknown) {
    if (parsedBody !== undefined) return decision.decideBody(post, { parsed: parsedBody });
    let raw: Buffer;
    try {
      raw = await readBody(req, post.maxBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return { kind: 'answer', answer: payloadTooLargeAnswer(post.maxBytes, post.cors) } as const;
    }
    return decision.decideBody(post, { text: raw.toString('utf8'), bytes: raw.length });
  }

  async function carryOut(res: ServerResponse, post: PostHead, plan: BodyDecision) {
    const { auth, cors } = post;
    const responder = () =>
      createNodeResponder(res, { headers: cors, heartbeatMs, longLived: listenStreams });
    switch (plan.kind) {
      case 'answer':
        writeAnswer(res, plan.answer);
        return;
      case 'modern':
        await answerExchange(plan.message, {
          channel: await channels.get('modern'),
          auth,
          responder: responder(),
          errorStatus: modernErrorStatus,
        });
        return;
      case 'stateless': {
        const dispatch = {
          channel: await channels.get('legacy'),
          auth,
          messages: plan.post.messages,
        };
        if (plan.respond === 'accepted') {
          dispatchAll(dispatch);
          writeEmpty(res, 202, cors);
        } else if (plan.respond === 'json') {
          await answerWithJson(res, dispatch, plan.post.isBatch, cors);
        } else {
          // JSON, or an SSE stream once progress, logs or a server-to-client request come
          // before the result; the client's answers to such requests come back as POSTs.
          await answerExchange(plan.post.requests[0]!.message, {
            channel: dispatch.channel,
            auth,
            responder: responder(),
            errorStatus: () => 200,
          });
        }
        return;
      }
      case 'session':
        await answerInSession(res, post, plan);
    }
  }

  async function answerInSession(
    res: ServerResponse,
    post: PostHead,
    plan: Extract<BodyDecision, { kind: 'session' }>,
  ) {
    const { auth, cors } = post;
    const { initialize, firstId, headerVersion } = plan.post;
    let session: Session;
    if (initialize) {
      const opened = await sessions!.open(auth, initialize.message.params);
      if (!opened)
        throw new HttpProblem(
          503,
          JsonRpcErrorCode.InternalError,
          'too many sessions; try again later',
          initialize.message.id,
        );
      session = opened;
    } else {
      session = await ownSession(
        { ...post, sessionId: plan.sessionId!, lastEventId: undefined },
        firstId,
      );
    }
    const batch = batchRefusal(plan.post, headerVersion ?? session.protocolVersion);
    if (batch) {
      writeAnswer(res, refusalAnswer(batch, cors));
      return;
    }
    const headers = { ...cors, 'mcp-session-id': session.id };
    const dispatch = {
      channel: session.channel,
      auth,
      messages: plan.post.messages,
      onResponse: (message: Parameters<SessionRoom['noteResponse']>[1]) =>
        sessions!.noteResponse(session, message),
    };
    if (plan.respond === 'accepted') {
      dispatchAll(dispatch);
      writeEmpty(res, 202, headers);
      return;
    }
    session.activeRequests += 1;
    try {
      if (plan.respond === 'stream')
        await answerWithStream(res, session, dispatch, headers, streamOptions(session));
      else await answerWithJson(res, dispatch, plan.post.isBatch, headers);
    } finally {
      session.activeRequests -= 1;
      session.lastActivity = Date.now();
    }
  }

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    target: RequestTarget,
    parsedBody: unknown,
  ) {
    const head = requestHead(req, target.pathname, target.search, parsedBody !== undefined);
    const decided = await decision.decideHead(head);
    if (decided.kind === 'pass') return false;
    if (decided.kind === 'answer') {
      writeAnswer(res, decided.answer);
      return true;
    }
    const request = decided.kind === 'post' ? decided.post : decided.request;
    // The SDK's convention: the verified identity rides on the request, for logging middleware.
    (req as IncomingMessage & { auth?: AuthInfo }).auth = request.auth;
    try {
      if (decided.kind === 'post')
        await carryOut(res, decided.post, await readPostBody(req, decided.post, parsedBody));
      else if (decided.kind === 'stream') {
        const session = await ownSession(decided.request, null);
        await answerSessionGet(
          res,
          session,
          decided.request.lastEventId,
          decided.request.cors,
          streamOptions(session),
        );
      } else {
        await sessions!.end(await ownSession(decided.request, null));
        writeEmpty(res, 204, decided.request.cors);
      }
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      writeJsonRpcError(res, error.status, error.id, error.code, error.message, request.cors);
    }
    return true;
  }

  return {
    path: decision.path,
    metadataPath: decision.metadataPath,
    get sessionCount() {
      return sessions?.size ?? 0;
    },
    get inFlight() {
      return inFlight;
    },
    async handle(req, res, parsedBody) {
      const target = requestTarget(req);
      if (
        !target ||
        (target.pathname !== decision.path && target.pathname !== decision.metadataPath)
      )
        return false;
      inFlight += 1;
      try {
        // The caller's `traceparent` (if any) is the parent of the spans of this request.
        return await withTraceContext(req.headers, () => route(req, res, target, parsedBody));
      } catch (error) {
        portcullis.logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'streamable HTTP request failed',
        );
        writeJsonRpcError(res, 500, null, JsonRpcErrorCode.InternalError, 'Internal error');
        return true;
      } finally {
        inFlight -= 1;
        if (inFlight === 0) for (const notify of idle) notify();
      }
    },
    async close({ deadlineMs = 10_000 } = {}) {
      decision.shutDown();
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
      await channels.close();
    },
  };
}
