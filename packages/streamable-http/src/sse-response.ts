import type { ServerResponse } from 'node:http';
import { SSE_HEADERS, SSE_KEEP_ALIVE } from '@portcullis/core/adapter';

/**
 * The one writer of SSE answers over node:http: every SSE answer of the endpoint (session
 * streams, GET streams, stateless exchanges, `subscriptions/listen`) starts, writes and keeps
 * alive through these three functions.
 */

/** Writes the head of a 200 SSE answer with `headers` (CORS, session id) and sends it at once. */
export function startSse(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(200, { ...headers, ...SSE_HEADERS });
  res.flushHeaders();
}

/** Writes formatted SSE text, unless the answer has ended. */
export function writeSse(res: ServerResponse, text: string): void {
  if (!res.writableEnded) res.write(text);
}

/** Writes a keep-alive comment every `intervalMs` until the connection closes. */
export function keepAlive(res: ServerResponse, intervalMs: number): void {
  const timer = setInterval(() => writeSse(res, SSE_KEEP_ALIVE), intervalMs);
  timer.unref();
  res.once('close', () => clearInterval(timer));
}
