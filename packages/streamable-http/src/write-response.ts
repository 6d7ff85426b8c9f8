import type { ServerResponse } from 'node:http';
import { errorResponse, type HttpAnswer } from '@portcullis/core/adapter';

/** Writes a JSON body with a status and extra headers, unless the response is already sent. */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Writes a JSON-RPC error response with an HTTP status. */
export function writeJsonRpcError(
  res: ServerResponse,
  status: number,
  id: string | number | null,
  code: number,
  message: string,
  headers?: Record<string, string>,
): void {
  writeJson(res, status, errorResponse(id, code, message), headers);
}

/** Writes an answer decided by the core, as it is. */
export function writeAnswer(res: ServerResponse, answer: HttpAnswer): void {
  if (answer.body === undefined) writeEmpty(res, answer.status, answer.headers);
  else writeJson(res, answer.status, answer.body, answer.headers);
}

/** Writes a body-less answer. */
export function writeEmpty(
  res: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, headers);
  res.end();
}
