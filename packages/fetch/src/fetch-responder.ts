import {
  type ExchangeResponder,
  formatSseEvent,
  type HttpAnswer,
  SSE_HEADERS,
  SSE_KEEP_ALIVE,
} from '@portcullis/core/adapter';

/** Hop-by-hop headers a fetch runtime manages itself and may refuse from a handler. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

function responseHeaders(headers: Record<string, string>, json: boolean): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers))
    if (!HOP_BY_HOP.has(name)) result.set(name, value);
  if (json) result.set('content-type', 'application/json');
  return result;
}

/** An answer decided by the core, as a `Response`. */
export function toResponse(answer: HttpAnswer): Response {
  const json = answer.body !== undefined;
  return new Response(json ? JSON.stringify(answer.body) : null, {
    status: answer.status,
    headers: responseHeaders(answer.headers, json),
  });
}

/** What {@link createFetchResponder} needs besides the request. */
export interface FetchResponderOptions {
  /** Headers every answer carries (CORS). */
  headers: Record<string, string>;
  /** Milliseconds between keep-alive comments on long-lived streams. */
  heartbeatMs: number;
  /** Where long-lived streams are kept while open, so shutdown can end them. */
  longLived: Set<() => void>;
}

/**
 * The core's exchange answered as a `Response`: `response` resolves with the JSON answer, or
 * with a 200 whose body is a `ReadableStream` of SSE events. The client going away (the
 * request's signal, or the stream cancelled) counts as an abort.
 */
export function createFetchResponder(
  signal: AbortSignal,
  options: FetchResponderOptions,
): { responder: ExchangeResponder; response: Promise<Response> } {
  const encoder = new TextEncoder();
  let resolve!: (response: Response) => void;
  const response = new Promise<Response>((done) => {
    resolve = done;
  });
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let closed = false;
  const aborts: Array<() => void> = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  const write = (text: string) => {
    if (!closed) controller?.enqueue(encoder.encode(text));
  };
  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    options.longLived.delete(end);
  };
  const end = () => {
    if (closed) return;
    stop();
    controller?.close();
  };
  const abort = () => {
    stop();
    for (const listener of aborts.splice(0)) listener();
  };
  signal.addEventListener('abort', abort, { once: true });
  return {
    response,
    responder: {
      json(status, body) {
        resolve(toResponse({ status, headers: options.headers, body }));
      },
      startStream(longLived) {
        const body = new ReadableStream<Uint8Array>({
          start: (stream) => {
            controller = stream;
          },
          cancel: abort,
        });
        resolve(
          new Response(body, {
            status: 200,
            headers: responseHeaders({ ...options.headers, ...SSE_HEADERS }, false),
          }),
        );
        if (!longLived) return;
        timer = setInterval(() => write(SSE_KEEP_ALIVE), options.heartbeatMs);
        options.longLived.add(end);
      },
      event(message) {
        write(formatSseEvent(message));
      },
      end,
      onAbort(listener) {
        aborts.push(listener);
      },
    },
  };
}
