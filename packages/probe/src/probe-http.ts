import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Evidence } from './check-result.js';
import { sendDeclaringLength } from './raw-exchange.js';
import type { Redactor } from './redact.js';

/** One request to send. */
export interface ProbeRequest {
  method: string;
  url: string | URL;
  headers?: Record<string, string>;
  body?: string;
  /**
   * Declare this many bytes in `Content-Length` and stream padding towards it until the server
   * answers (for oversized-body checks); `body` is sent first.
   */
  declaredLength?: number;
  /** Send a WebSocket upgrade (`Connection: Upgrade`) and report the answer to it. */
  upgrade?: boolean;
  /** A token request: its answer carries a token by design (not an echo). */
  tokenRequest?: boolean;
}

/** A request and its answer, raw (for checks) and redacted (for the report). */
export interface Exchange {
  status?: number;
  headers: Record<string, string>;
  /** The answer's body, up to {@link MAX_BODY_BYTES}. */
  body: string;
  evidence: Evidence;
  /** Set for token requests, whose answers carry tokens by design. */
  tokenRequest?: boolean;
  /** For a request declaring a length: the bytes written before the server closed the connection. */
  closedAfter?: number;
}

/** How much of an answer's body is kept. */
export const MAX_BODY_BYTES = 256 * 1024;
const EXCERPT_CHARACTERS = 400;

/** Thrown when a run would send more requests than its budget allows. */
export class RequestBudgetExhausted extends Error {
  constructor(budget: number) {
    super(`the request budget of ${budget} is spent`);
    this.name = 'RequestBudgetExhausted';
  }
}

/** The HTTP client of one probe run: bounded, timed, recording, redacting. */
export interface ProbeHttp {
  send(request: ProbeRequest): Promise<Exchange>;
  /** Every exchange so far, in order. */
  readonly exchanges: readonly Exchange[];
  /** How many requests were sent. */
  readonly sent: number;
}

/** Options of {@link createProbeHttp}. */
export interface ProbeHttpOptions {
  /** At most this many requests per run. */
  maxRequests: number;
  /** How long to wait for an answer, in milliseconds. */
  timeoutMs: number;
  redactor: Redactor;
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

async function readCapped(res: IncomingMessage): Promise<string> {
  const stream = /text\/event-stream/.test(res.headers['content-type'] ?? '');
  let text = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (text.length < MAX_BODY_BYTES) text += chunk.toString('utf8');
    // An event stream may stay open: one complete event with data is enough.
    if (stream && /(^|\n)data:[^\n]*\n\n/.test(text)) break;
  }
  res.destroy();
  return text.slice(0, MAX_BODY_BYTES);
}

/** Creates the HTTP client of one run. */
export function createProbeHttp(options: ProbeHttpOptions): ProbeHttp {
  const exchanges: Exchange[] = [];
  const { redactor } = options;

  function exchange(request: ProbeRequest, answer: Omit<Exchange, 'evidence'>, error?: string) {
    const url = new URL(request.url);
    const recorded: Exchange = {
      ...answer,
      ...(request.tokenRequest && { tokenRequest: true }),
      evidence: {
        request: {
          method: request.method,
          url: redactor.text(url.href),
          headers: redactor.headers(request.headers ?? {}),
          ...(request.body !== undefined && {
            body: redactor.text(request.body.slice(0, EXCERPT_CHARACTERS)),
          }),
        },
        ...(answer.status !== undefined && { status: answer.status }),
        headers: redactor.headers(answer.headers),
        bodyExcerpt: redactor.text(answer.body.slice(0, EXCERPT_CHARACTERS)),
        ...(error !== undefined && { error }),
      },
    };
    exchanges.push(recorded);
    return recorded;
  }

  function send(request: ProbeRequest): Promise<Exchange> {
    if (exchanges.length >= options.maxRequests)
      return Promise.reject(new RequestBudgetExhausted(options.maxRequests));
    const url = new URL(request.url);
    const secure = url.protocol === 'https:' || url.protocol === 'wss:';
    const headers: Record<string, string> = { ...request.headers };
    if (request.upgrade) {
      headers.connection = 'Upgrade';
      headers.upgrade = 'websocket';
      headers['sec-websocket-version'] = '13';
      headers['sec-websocket-key'] = Buffer.from(
        crypto.getRandomValues(new Uint8Array(16)),
      ).toString('base64');
    }
    const body = request.body ?? '';
    const declared = request.declaredLength;
    if (declared !== undefined)
      return sendDeclaringLength(
        url,
        { method: request.method, headers },
        body,
        declared,
        options.timeoutMs,
      ).then(({ error, ...answer }) =>
        exchange(
          { ...request, headers: { ...headers, 'content-length': String(declared) } },
          answer,
          error,
        ),
      );
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));

    return new Promise<Exchange>((resolve) => {
      let settled = false;
      const settle = (answer: Omit<Exchange, 'evidence'>, error?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(exchange({ ...request, headers }, answer, error));
      };
      const req = (secure ? httpsRequest : httpRequest)(url, { method: request.method, headers });
      const timer = setTimeout(
        () => settle({ headers: {}, body: '' }, `no answer within ${options.timeoutMs} ms`),
        options.timeoutMs,
      );
      req.on('response', (res) => {
        readCapped(res).then(
          (text) => settle({ status: res.statusCode, headers: flatten(res.headers), body: text }),
          () => settle({ status: res.statusCode, headers: flatten(res.headers), body: '' }),
        );
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        settle({ status: res.statusCode, headers: flatten(res.headers), body: '' });
      });
      req.on('error', (error) => settle({ headers: {}, body: '' }, error.message));
      req.end(body);
    });
  }

  return {
    send,
    get exchanges() {
      return exchanges;
    },
    get sent() {
      return exchanges.length;
    },
  };
}
