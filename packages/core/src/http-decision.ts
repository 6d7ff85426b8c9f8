import type { AuthInfo } from './auth-info.js';
import { bodyLimitOf } from './body-limits.js';
import { type CorsOptions, corsHeaders, preflightHeaders } from './cors.js';
import { requestUrl } from './dpop-target-uri.js';
import {
  challengeAnswer,
  emptyAnswer,
  type HttpAnswer,
  jsonRpcErrorAnswer,
} from './http-answer.js';
import { type BodyDecision, decidePostBody, type PostBody } from './http-post-decision.js';
import { type McpRequestHeaders, targetFromHeaders } from './http-route.js';
import { JsonRpcErrorCode } from './json-rpc.js';
import { accepts } from './media-type.js';
import {
  createOriginPolicy,
  type OriginPolicy,
  type OriginPolicyOptions,
  requestHost,
} from './origin-policy.js';
import type { Portcullis } from './portcullis.js';

/**
 * What an adapter knows of an HTTP request before reading its body: the method, the target's
 * path and query, and its headers.
 */
export interface HttpRequestHead {
  method: string;
  /** The target's path, e.g. `/mcp`. */
  pathname: string;
  /** The target's query string with its `?`, or `''`. */
  search: string;
  /** A header by lower-case name; repeated values joined with `, ` (as Node and fetch do). */
  header(name: string): string | undefined;
  /**
   * Every value of `authorization` or `dpop` when the runtime keeps repeated headers apart
   * (Node's `headersDistinct`), so two credentials are refused; else `header(name)`.
   */
  headerValues?(name: 'authorization' | 'dpop'): readonly string[] | undefined;
  /** A framework already parsed the body (then its media type is the framework's concern). */
  bodyParsed?: boolean;
}

/** Options for {@link createHttpDecision}. */
export interface HttpDecisionOptions extends OriginPolicyOptions {
  /** The path of the MCP endpoint. Default: the path of `portcullis.resource`. */
  path?: string;
  /** Stateful 2025-era sessions (`Mcp-Session-Id`); false: stateless. Default false. */
  sessions?: boolean;
  /** Stateful mode: answer requests with JSON instead of an SSE stream. Default false. */
  jsonResponse?: boolean;
  /** Largest request body, in bytes, for the methods that carry content. Default 1 MiB. */
  maxBodyBytes?: number;
  /** CORS for browser clients; the listed origins are allowed as well. Default off. */
  cors?: CorsOptions;
  /** Trust `X-Forwarded-Host` from a proxy in front. Default false. */
  trustProxy?: boolean;
  /** The transport named in audit records. Default `streamable-http`. */
  transport?: string;
}

/** An authenticated request that names a 2025-era session (GET stream, DELETE). */
export interface SessionRequest {
  auth: AuthInfo | undefined;
  /** CORS headers every answer to this request carries. */
  cors: Record<string, string>;
  sessionId: string;
  /** `Last-Event-ID`, for a GET that resumes a stream. */
  lastEventId: string | undefined;
}

/** An authenticated POST whose body may now be read, up to `maxBytes`. */
export interface PostHead {
  auth: AuthInfo | undefined;
  cors: Record<string, string>;
  /** The most bytes to read: what the method named in `Mcp-Method` needs, else the maximum. */
  maxBytes: number;
  headers: McpRequestHeaders;
  /** `Mcp-Session-Id`, when sent. */
  sessionId: string | undefined;
}

/** What to do with a request, from its head alone: answer it, or go on as the plan says. */
export type HeadDecision =
  /** Not a path of this endpoint: leave the request to the next handler. */
  | { kind: 'pass' }
  /** Write this answer; nothing else. */
  | { kind: 'answer'; answer: HttpAnswer }
  /** Read the body (at most `post.maxBytes`), then ask {@link HttpDecision.decideBody}. */
  | { kind: 'post'; post: PostHead }
  /** Open (or resume, with `lastEventId`) the session's GET stream. */
  | { kind: 'stream'; request: SessionRequest }
  /** End the session. */
  | { kind: 'end-session'; request: SessionRequest };

/**
 * The transport-neutral HTTP step of an MCP endpoint: from a request's head, and then its
 * body, to an answer or a dispatch plan, without any I/O of its own. Adapters (node:http,
 * fetch) translate requests into {@link HttpRequestHead}, write {@link HttpAnswer}s as they
 * are, and carry out the plans.
 */
export interface HttpDecision<
  Head extends HeadDecision = HeadDecision,
  Body extends BodyDecision = BodyDecision,
> {
  readonly path: string;
  /** The path of the Protected Resource Metadata, absent when authorization is off. */
  readonly metadataPath: string | undefined;
  /** The largest body any method may send. */
  readonly maxBodyBytes: number;
  /**
   * Decides from the head: routing, the metadata document, `Host` and `Origin`, preflight,
   * shutdown, media types, the caller's admission (`portcullis.admit`: one credential, never
   * in the URL, DPoP, the rate limit, audit), a 2026-07-28 call
   * its headers show the caller may not make, and how many body bytes the method may send.
   */
  decideHead(head: HttpRequestHead): Promise<Head>;
  /** Decides from the body read for `post` (raw text, or already parsed by a framework). */
  decideBody(post: PostHead, body: PostBody): Body;
  /** From now on every request to the endpoint is refused with 503 (graceful shutdown). */
  shutDown(): void;
}

const DEFAULT_MAX_BODY_BYTES = 1 << 20;

/** What a stateless endpoint's head decides: never a session's GET stream or DELETE. */
export type StatelessHeadDecision = Exclude<HeadDecision, { kind: 'stream' | 'end-session' }>;
/** What a stateless endpoint's body decides: never a session. */
export type StatelessBodyDecision = Exclude<BodyDecision, { kind: 'session' }>;

/**
 * Creates the {@link HttpDecision} of a {@link Portcullis}'s MCP endpoint; without
 * `sessions`, its plans never involve a session (GET and DELETE are answered 405).
 */
export function createHttpDecision(
  portcullis: Portcullis,
  options?: HttpDecisionOptions & { sessions?: false },
): HttpDecision<StatelessHeadDecision, StatelessBodyDecision>;
export function createHttpDecision(
  portcullis: Portcullis,
  options: HttpDecisionOptions,
): HttpDecision;
export function createHttpDecision(
  portcullis: Portcullis,
  options: HttpDecisionOptions = {},
): HttpDecision {
  const path = options.path ?? new URL(portcullis.resource).pathname;
  const metadata = portcullis.metadata;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const transport = options.transport ?? 'streamable-http';
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
  const stateful = options.sessions ?? false;
  const dpop = portcullis.dpop !== undefined;
  let closing = false;

  const refusal = (status: number, message: string, headers: Record<string, string>) => ({
    kind: 'answer' as const,
    answer: jsonRpcErrorAnswer(status, null, JsonRpcErrorCode.InvalidRequest, message, headers),
  });

  function metadataAnswer(method: string): HttpAnswer {
    if (method === 'OPTIONS')
      return emptyAnswer(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, OPTIONS',
      });
    if (method !== 'GET' && method !== 'HEAD')
      return emptyAnswer(405, { allow: 'GET, HEAD, OPTIONS' });
    return {
      status: 200,
      headers: { 'access-control-allow-origin': '*', 'cache-control': 'public, max-age=300' },
      body: metadata!.document,
    };
  }

  /** The caller's identity through the core's one admission, or the challenge answering it. */
  async function admit(
    head: HttpRequestHead,
    host: string | undefined,
    cors: Record<string, string>,
  ): Promise<{ auth: AuthInfo | undefined } | { answer: HttpAnswer }> {
    const admission = await portcullis.admit({
      kind: 'request',
      transport,
      browser: { policy: originPolicy, host, origin: head.header('origin') },
      authorization: head.headerValues?.('authorization') ?? head.header('authorization'),
      search: head.search,
      // DPoP (RFC 9449): the proof must name this method and this URL, as clients see it.
      dpop: head.headerValues?.('dpop') ?? head.header('dpop'),
      method: head.method,
      url: requestUrl(portcullis.resource, host, path),
    });
    if (admission.admitted) return { auth: admission.auth };
    return { answer: challengeAnswer(portcullis.challenge(admission.refusal, null), cors) };
  }

  async function decidePost(
    head: HttpRequestHead,
    host: string | undefined,
    cors: Record<string, string>,
  ): Promise<HeadDecision> {
    const accept = head.header('accept');
    if (!accepts(accept, 'application/json') || !accepts(accept, 'text/event-stream'))
      return refusal(
        406,
        'Not Acceptable: the client must accept both application/json and text/event-stream',
        cors,
      );
    if (
      !head.bodyParsed &&
      !(head.header('content-type') ?? '').toLowerCase().startsWith('application/json')
    )
      return refusal(415, 'Unsupported Media Type: the body must be application/json', cors);

    // The caller is admitted from the headers before a byte of the body is read.
    const admitted = await admit(head, host, cors);
    if ('answer' in admitted) return { kind: 'answer', answer: admitted.answer };
    const { auth } = admitted;
    const headers = mcpHeaders(head);
    // 2026-07-28 names the target in its headers: a denied call costs no body read at all.
    const target = targetFromHeaders(headers);
    const early = target && portcullis.authorize(target, auth, transport);
    if (early)
      return { kind: 'answer', answer: challengeAnswer(portcullis.challenge(early, null), cors) };
    return {
      kind: 'post',
      post: {
        auth,
        cors,
        maxBytes: headers.method ? bodyLimitOf(headers.method, maxBodyBytes) : maxBodyBytes,
        headers,
        sessionId: head.header('mcp-session-id') || undefined,
      },
    };
  }

  /** GET and DELETE act on a session: 405 when stateless, then admission, then its id. */
  async function decideSessionRequest(
    head: HttpRequestHead,
    host: string | undefined,
    cors: Record<string, string>,
    kind: 'stream' | 'end-session',
  ): Promise<HeadDecision> {
    if (!stateful)
      return refusal(
        405,
        `Method Not Allowed: this endpoint is stateless and has no ${kind === 'stream' ? 'GET stream' : 'sessions'}`,
        { ...cors, allow: 'POST, OPTIONS' },
      );
    const admitted = await admit(head, host, cors);
    if ('answer' in admitted) return { kind: 'answer', answer: admitted.answer };
    const sessionId = head.header('mcp-session-id');
    if (!sessionId) return refusal(400, 'Bad Request: Mcp-Session-Id header is required', cors);
    return {
      kind,
      request: { auth: admitted.auth, cors, sessionId, lastEventId: head.header('last-event-id') },
    };
  }

  return {
    path,
    metadataPath: metadata?.path,
    maxBodyBytes,
    shutDown() {
      closing = true;
    },
    decideBody: (post, body) =>
      decidePostBody(post, body, {
        portcullis,
        maxBodyBytes,
        stateful,
        jsonResponse: options.jsonResponse ?? false,
        transport,
      }),
    async decideHead(head) {
      if (metadata && head.pathname === metadata.path)
        return { kind: 'answer', answer: metadataAnswer(head.method) };
      if (head.pathname !== path) return { kind: 'pass' };
      const origin = head.header('origin');
      const cors: Record<string, string> =
        origin && options.cors && originPolicy.allowsOrigin(origin)
          ? corsHeaders(origin, dpop)
          : {};
      const host = requestHost(
        { host: head.header('host'), 'x-forwarded-host': head.header('x-forwarded-host') },
        trustProxy,
      );
      // Host and Origin first, through the core's admission: a preflight is answered only after.
      const browser = await portcullis.admit({
        kind: 'origin',
        transport,
        browser: { policy: originPolicy, host, origin },
      });
      if (!browser.admitted)
        return { kind: 'answer', answer: challengeAnswer(portcullis.challenge(browser.refusal)) };
      if (head.method === 'OPTIONS')
        return {
          kind: 'answer',
          answer: emptyAnswer(
            204,
            options.cors && origin
              ? { ...cors, ...preflightHeaders(options.cors, dpop) }
              : { allow: 'GET, POST, DELETE, OPTIONS' },
          ),
        };
      if (closing)
        return {
          kind: 'answer',
          answer: jsonRpcErrorAnswer(
            503,
            null,
            JsonRpcErrorCode.InternalError,
            'the server is shutting down',
            { ...cors, connection: 'close' },
          ),
        };
      switch (head.method) {
        case 'POST':
          return decidePost(head, host, cors);
        case 'GET':
          if (stateful && !accepts(head.header('accept'), 'text/event-stream'))
            return refusal(406, 'Not Acceptable: the client must accept text/event-stream', cors);
          return decideSessionRequest(head, host, cors, 'stream');
        case 'DELETE':
          return decideSessionRequest(head, host, cors, 'end-session');
        default:
          return refusal(405, 'Method Not Allowed', {
            ...cors,
            allow: 'GET, POST, DELETE, OPTIONS',
          });
      }
    },
  };
}

/** The 2026-07-28 request headers of a request head. */
function mcpHeaders(head: HttpRequestHead): McpRequestHeaders {
  return {
    protocolVersion: head.header('mcp-protocol-version'),
    method: head.header('mcp-method'),
    name: head.header('mcp-name'),
    get: (name) => head.header(name),
  };
}
