import type { JSONRPCMessage } from './mcp-types.js';

/** A JSON-RPC id as MCP allows it. */
export type RequestId = string | number;

/** A message as it arrived, sorted by kind with a cheap structural check (no schema library). */
export type ClassifiedMessage =
  | {
      kind: 'request';
      message: JSONRPCMessage & { id: RequestId; method: string; params?: unknown };
    }
  | { kind: 'notification'; message: JSONRPCMessage & { method: string; params?: unknown } }
  | { kind: 'response'; message: JSONRPCMessage & { id: RequestId } }
  | { kind: 'invalid'; id: RequestId | null; reason: string };

const isId = (value: unknown): value is RequestId =>
  typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));

/**
 * Sorts one parsed JSON value into request, notification or response, or says why it is not
 * a valid JSON-RPC 2.0 message. The SDK validates each method's params later.
 */
export function classifyMessage(value: unknown): ClassifiedMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'invalid', id: null, reason: 'a JSON-RPC message must be an object' };
  }
  const candidate = value as Record<string, unknown>;
  const id = isId(candidate.id) ? candidate.id : null;
  if (candidate.jsonrpc !== '2.0') return { kind: 'invalid', id, reason: 'jsonrpc must be "2.0"' };
  if (typeof candidate.method === 'string') {
    if (
      candidate.params !== undefined &&
      (candidate.params === null || typeof candidate.params !== 'object')
    ) {
      return { kind: 'invalid', id, reason: 'params must be an object' };
    }
    if (candidate.id === undefined) return { kind: 'notification', message: candidate as never };
    if (id === null)
      return { kind: 'invalid', id: null, reason: 'id must be a string or an integer' };
    return { kind: 'request', message: candidate as never };
  }
  if (id !== null && ('result' in candidate || 'error' in candidate)) {
    return { kind: 'response', message: candidate as never };
  }
  return { kind: 'invalid', id, reason: 'not a request, notification or response' };
}

/** A JSON-RPC error response. */
export function errorResponse(id: RequestId | null, code: number, message: string, data?: unknown) {
  return {
    jsonrpc: '2.0' as const,
    id,
    error: { code, message, ...(data !== undefined && { data }) },
  };
}

/** JSON-RPC 2.0 error codes. */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
} as const;
