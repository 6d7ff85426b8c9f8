import type { Portcullis } from '@portcullis/core';
import {
  answerExchange,
  collectResponses,
  createHttpDecision,
  createStatelessChannels,
  dispatchAll,
  type HttpDecisionOptions,
  type HttpRequestHead,
  JsonRpcErrorCode,
  jsonRpcErrorAnswer,
  modernErrorStatus,
  type PostHead,
  payloadTooLargeAnswer,
  type StatelessBodyDecision,
  withTraceContext,
} from '@portcullis/core/adapter';
import { createFetchResponder, toResponse } from './fetch-responder.js';
import { readLimitedBody } from './read-limited-body.js';

/** Options for {@link createFetchHandler}. */
export interface FetchHandlerOptions
  extends Omit<HttpDecisionOptions, 'sessions' | 'jsonResponse' | 'transport'> {
  /** Seconds between SSE keep-alive comments on `subscriptions/listen` streams. Default 25. */
  heartbeatSeconds?: number;
}

/** The MCP endpoint of a {@link Portcullis} as a Web-standard fetch handler. */
export interface FetchHandler {
  /** The MCP endpoint's path. */
  readonly path: string;
  /** The path of the Protected Resource Metadata, absent when authorization is off. */
  readonly metadataPath: string | undefined;
  /** Answers a request for the MCP path or the metadata path; 404 for any other path. */
  fetch(request: Request): Promise<Response>;
  /** Like `fetch`, but `undefined` for other paths, for a framework's next handler. */
  handle(request: Request): Promise<Response | undefined>;
  /** Refuses new requests (503), ends open `subscriptions/listen` streams, closes the servers. */
  close(): Promise<void>;
}

const TRANSPORT = 'fetch';

/** The head of a fetch `Request`, as the core's decision step reads it. */
function requestHead(request: Request, url: URL): HttpRequestHead {
  return {
    method: request.method,
    pathname: url.pathname,
    search: url.search,
    // Runtimes that leave `Host` out of the headers still have it in the URL.
    header: (name) => request.headers.get(name) ?? (name === 'host' ? url.host : undefined),
  };
}

/**
 * Creates the Streamable HTTP endpoint of a {@link Portcullis} as `(Request) => Response`,
 * stateless (every instance answers any request): both protocol eras, SSE answers as a
 * `ReadableStream`. The core decides every request (refusals, challenges, DPoP, limits, the
 * era, how it is answered); this handler reads the body and writes the answers.
 */
export function createFetchHandler(
  portcullis: Portcullis,
  options: FetchHandlerOptions = {},
): FetchHandler {
  const decision = createHttpDecision(portcullis, {
    ...options,
    sessions: false,
    transport: TRANSPORT,
  });
  const channels = createStatelessChannels(portcullis, TRANSPORT);
  const heartbeatMs = (options.heartbeatSeconds ?? 25) * 1000;
  const longLived = new Set<() => void>();

  async function decideBody(request: Request, post: PostHead): Promise<StatelessBodyDecision> {
    const body = await readLimitedBody(request, post.maxBytes);
    if (!body) return { kind: 'answer', answer: payloadTooLargeAnswer(post.maxBytes, post.cors) };
    return decision.decideBody(post, body);
  }

  async function carryOut(request: Request, post: PostHead, plan: StatelessBodyDecision) {
    const exchange = () =>
      createFetchResponder(request.signal, { headers: post.cors, heartbeatMs, longLived });
    switch (plan.kind) {
      case 'answer':
        return toResponse(plan.answer);
      case 'modern': {
        const { responder, response } = exchange();
        const channel = await channels.get('modern');
        void answerExchange(plan.message, {
          channel,
          auth: post.auth,
          responder,
          errorStatus: modernErrorStatus,
        });
        return response;
      }
      case 'stateless': {
        const dispatch = {
          channel: await channels.get('legacy'),
          auth: post.auth,
          messages: plan.post.messages,
        };
        if (plan.respond === 'accepted') {
          dispatchAll(dispatch);
          return toResponse({ status: 202, headers: post.cors });
        }
        if (plan.respond === 'json') {
          const responses = await collectResponses(dispatch, (listener) =>
            request.signal.addEventListener('abort', listener, { once: true }),
          );
          return toResponse({ status: 200, headers: post.cors, body: responses ?? [] });
        }
        const { responder, response } = exchange();
        void answerExchange(plan.post.requests[0]!.message, {
          channel: dispatch.channel,
          auth: post.auth,
          responder,
          errorStatus: () => 200,
        });
        return response;
      }
    }
  }

  /** Runs in the caller's trace context (`traceparent`, `tracestate`, `baggage`), if any. */
  const handle = (request: Request): Promise<Response | undefined> =>
    withTraceContext(traceHeadersOf(request.headers), () => serve(request));

  async function serve(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    const decided = await decision.decideHead(requestHead(request, url));
    switch (decided.kind) {
      case 'pass':
        return undefined;
      case 'answer':
        return toResponse(decided.answer);
      case 'post':
        return carryOut(request, decided.post, await decideBody(request, decided.post));
    }
  }

  return {
    path: decision.path,
    metadataPath: decision.metadataPath,
    handle,
    async fetch(request) {
      try {
        return (await handle(request)) ?? new Response('Not Found', { status: 404 });
      } catch (error) {
        portcullis.logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'fetch request failed',
        );
        return toResponse(
          jsonRpcErrorAnswer(500, null, JsonRpcErrorCode.InternalError, 'Internal error'),
        );
      }
    },
    async close() {
      decision.shutDown();
      for (const end of [...longLived]) end();
      await channels.close();
    },
  };
}

/** The W3C trace context headers of a request. */
function traceHeadersOf(headers: Headers): Record<string, string | undefined> {
  return {
    traceparent: headers.get('traceparent') ?? undefined,
    tracestate: headers.get('tracestate') ?? undefined,
    baggage: headers.get('baggage') ?? undefined,
  };
}
