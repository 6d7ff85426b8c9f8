import type { JSONRPCMessage } from './mcp-types.js';

/** Headers of every SSE answer (`X-Accel-Buffering: no` keeps proxies from holding events back). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** The comment line that tells proxies and clients an idle stream is alive. */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';

/** One SSE event carrying a JSON-RPC message, with its event id when it can be resumed. */
export function formatSseEvent(message: JSONRPCMessage, eventId?: string): string {
  return `event: message\n${eventId ? `id: ${eventId}\n` : ''}data: ${JSON.stringify(message)}\n\n`;
}

/**
 * The priming event of a resumable stream (SEP-1699): an event id and empty data, so a client
 * can resume from the very beginning, and `retry` to say how long to wait before reconnecting.
 */
export function formatSsePriming(eventId: string, retryMs: number): string {
  return `id: ${eventId}\nretry: ${retryMs}\ndata: \n\n`;
}
