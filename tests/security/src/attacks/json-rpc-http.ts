/** A JSON-RPC request that writes `pwned.txt`: the payload of most attacks, harmless only if refused. */
export const WRITE_PWNED = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'write_file', arguments: { path: 'pwned.txt', content: 'pwned' } },
} as const;

/** An HTTP answer, its body parsed as JSON when it is JSON. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** The headers of an MCP POST: JSON in, JSON or SSE out, and a bearer token when given. */
export function mcpHeaders(token?: string, extra: Record<string, string> = {}) {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...(token !== undefined && { authorization: `Bearer ${token}` }),
    ...extra,
  };
}

/** POSTs `body` (JSON-encoded unless a string) to `url` and reads the whole answer. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> | Headers,
): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return answerOf(response);
}

/** Reads a fetch response into an {@link HttpAnswer}. */
export async function answerOf(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** The `error` of a JSON-RPC error response. */
export function rpcError(body: unknown): { code: number; message: string; data?: unknown } {
  return (body as { error: { code: number; message: string; data?: unknown } }).error;
}
