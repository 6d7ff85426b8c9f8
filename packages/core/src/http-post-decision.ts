import { bodyLimitOfBody } from './body-limits.js';
import { challengeAnswer, type HttpAnswer, jsonRpcErrorAnswer } from './http-answer.js';
import type { PostHead } from './http-decision.js';
import { type ModernMessage, type PostRefusal, routeHttpPost } from './http-route.js';
import { JsonRpcErrorCode } from './json-rpc.js';
import { batchRefusal, type LegacyPost, readLegacyPost } from './legacy-post.js';
import type { Portcullis } from './portcullis.js';
import { defaultProtocolVersion } from './protocol-versions.js';

/** A POST body as an adapter read it: the text and its size, or what a framework parsed. */
export type PostBody = { text: string; bytes: number } | { parsed: unknown };

/**
 * How a dispatched POST is answered: `accepted` (202, nothing to wait for), `exchange` (JSON,
 * or an SSE stream once the server sends something related before the response; always a
 * stream for `subscriptions/listen`), `json` (one JSON body with every response) or `stream`
 * (a resumable SSE stream of the session).
 */
export type ResponseMode = 'accepted' | 'exchange' | 'json' | 'stream';

/** What to do with a POST once its body is read. */
export type BodyDecision =
  /** Write this answer; nothing runs. */
  | { kind: 'answer'; answer: HttpAnswer }
  /** A 2026-07-28 message: dispatch it on the stateless modern channel. */
  | { kind: 'modern'; message: ModernMessage; respond: 'accepted' | 'exchange' }
  /** 2025-era messages without a session: dispatch them on the shared legacy channel. */
  | { kind: 'stateless'; post: LegacyPost; respond: 'accepted' | 'exchange' | 'json' }
  /**
   * 2025-era messages of a session: open one (`post.initialize`), or find the one named by
   * `sessionId` (owned by the caller), check {@link batchRefusal} against its revision, then
   * dispatch on its channel.
   */
  | {
      kind: 'session';
      post: LegacyPost;
      sessionId: string | undefined;
      respond: 'accepted' | 'json' | 'stream';
    };

/** What {@link decidePostBody} needs of its endpoint. */
export interface PostBodyContext {
  portcullis: Portcullis;
  maxBodyBytes: number;
  stateful: boolean;
  jsonResponse: boolean;
  transport: string;
}

/** A refusal of a POST as an answer carrying `headers` (CORS). */
export function refusalAnswer(refusal: PostRefusal, headers: Record<string, string>): HttpAnswer {
  return jsonRpcErrorAnswer(
    refusal.status,
    refusal.id,
    refusal.code,
    refusal.message,
    headers,
    refusal.data,
  );
}

/** The 413 answer of a body over `limit` bytes; the connection closes (the rest is unread). */
export function payloadTooLargeAnswer(limit: number, headers: Record<string, string>): HttpAnswer {
  return jsonRpcErrorAnswer(
    413,
    null,
    JsonRpcErrorCode.InvalidRequest,
    `Payload Too Large: the body is larger than ${limit} bytes`,
    { ...headers, connection: 'close' },
  );
}

/**
 * Decides a POST from its body: JSON, the body limit of the methods it carries (the header
 * named one before reading; the body must agree), the era and its checks (`routeHttpPost`,
 * {@link readLegacyPost}), the scope of every request, and how it is answered.
 */
export function decidePostBody(
  post: PostHead,
  input: PostBody,
  context: PostBodyContext,
): BodyDecision {
  const { portcullis, transport } = context;
  const answer = (value: HttpAnswer): BodyDecision => ({ kind: 'answer', answer: value });
  let body: unknown;
  if ('parsed' in input) body = input.parsed;
  else {
    try {
      body = JSON.parse(input.text);
    } catch {
      return answer(
        jsonRpcErrorAnswer(
          400,
          null,
          JsonRpcErrorCode.ParseError,
          'Parse error: the body is not valid JSON',
          post.cors,
        ),
      );
    }
    const limit = bodyLimitOfBody(body, context.maxBodyBytes);
    if (input.bytes > limit) return answer(payloadTooLargeAnswer(limit, post.cors));
  }

  const route = routeHttpPost(body, post.headers, portcullis.registry);
  if (route.kind === 'reject') return answer(refusalAnswer(route, post.cors));
  if (route.kind === 'modern') {
    const denial = portcullis.authorize(route.message, post.auth, transport);
    if (denial)
      return answer(
        challengeAnswer(portcullis.challenge(denial, route.message.id ?? null), post.cors),
      );
    return {
      kind: 'modern',
      message: route.message,
      respond: route.message.id === undefined ? 'accepted' : 'exchange',
    };
  }

  const legacy = readLegacyPost(body, post.headers.protocolVersion);
  if (legacy.kind === 'reject') return answer(refusalAnswer(legacy, post.cors));
  const refuse = (status: number, id: PostRefusal['id'], message: string) =>
    answer(jsonRpcErrorAnswer(status, id, JsonRpcErrorCode.InvalidRequest, message, post.cors));
  if (context.stateful) {
    if (legacy.initialize && post.sessionId)
      return refuse(400, legacy.initialize.message.id, 'initialize must not name a session');
    if (!legacy.initialize && !post.sessionId)
      return refuse(400, legacy.firstId, 'Bad Request: Mcp-Session-Id header is required');
  } else {
    const batch = batchRefusal(legacy, legacy.headerVersion ?? defaultProtocolVersion);
    if (batch) return answer(refusalAnswer(batch, post.cors));
  }
  for (const request of legacy.requests) {
    const denial = portcullis.authorize(request.message, post.auth, transport);
    if (denial)
      return answer(challengeAnswer(portcullis.challenge(denial, request.message.id), post.cors));
  }
  if (context.stateful)
    return {
      kind: 'session',
      post: legacy,
      sessionId: post.sessionId,
      respond: legacy.requests.length === 0 ? 'accepted' : context.jsonResponse ? 'json' : 'stream',
    };
  return {
    kind: 'stateless',
    post: legacy,
    respond: legacy.requests.length === 0 ? 'accepted' : legacy.isBatch ? 'json' : 'exchange',
  };
}
