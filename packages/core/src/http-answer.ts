import type { Challenge } from './challenge.js';
import { errorResponse, type RequestId } from './json-rpc.js';

/**
 * A complete HTTP answer decided by the core, for an adapter to write as it is: a status,
 * headers, and a JSON body (`undefined` for none).
 */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** A JSON-RPC error answer with an HTTP status. */
export function jsonRpcErrorAnswer(
  status: number,
  id: RequestId | null,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  data?: unknown,
): HttpAnswer {
  return { status, headers, body: errorResponse(id, code, message, data) };
}

/** A challenge built by the core, as an answer, with extra headers (CORS) first. */
export function challengeAnswer(
  challenge: Challenge,
  headers: Record<string, string> = {},
): HttpAnswer {
  return {
    status: challenge.status,
    headers: { ...headers, ...challenge.headers },
    body: challenge.body,
  };
}

/** A body-less answer. */
export function emptyAnswer(status: number, headers: Record<string, string> = {}): HttpAnswer {
  return { status, headers };
}
