import type { ServerResponse } from 'node:http';
import { type Challenge, errorResponse } from '@portcullis/core/adapter';

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

/** Writes a challenge built by the core, as it is. */
export function writeChallenge(
  res: ServerResponse,
  challenge: Challenge,
  headers: Record<string, string> = {},
): void {
  writeJson(res, challenge.status, challenge.body, { ...headers, ...challenge.headers });
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
