import type { ServerResponse } from 'node:http';
import { type ExchangeResponder, formatSseEvent } from '@portcullis/core/adapter';
import { keepAlive, startSse, writeSse } from './sse-response.js';
import { writeEmpty, writeJson } from './write-response.js';

/** What a {@link createNodeResponder} needs besides the response. */
export interface NodeResponderOptions {
  /** Headers every answer carries (CORS). */
  headers: Record<string, string>;
  /** Milliseconds between keep-alive comments on long-lived streams. */
  heartbeatMs: number;
  /** Where long-lived streams are kept while open, so shutdown can end them. */
  longLived: Set<ServerResponse>;
}

/** The core's exchange answered over a node:http response. */
export function createNodeResponder(
  res: ServerResponse,
  options: NodeResponderOptions,
): ExchangeResponder {
  const { headers } = options;
  return {
    json(status, body) {
      if (body === undefined) writeEmpty(res, status, headers);
      else writeJson(res, status, body, headers);
    },
    startStream(longLived) {
      startSse(res, headers);
      if (!longLived) return;
      keepAlive(res, options.heartbeatMs);
      options.longLived.add(res);
      res.once('close', () => options.longLived.delete(res));
    },
    event(message) {
      writeSse(res, formatSseEvent(message));
    },
    end() {
      res.end();
    },
    onAbort(listener) {
      res.once('close', listener);
    },
  };
}
