import { randomBytes } from 'node:crypto';
import { type IncomingMessage, request } from 'node:http';
import { Readable } from 'node:stream';

/** Raw 2026-07-28 requests over HTTP, as a client without any SDK sends them. */
export const MODERN = '2026-07-28';

const envelope = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'scale-out', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

let nextId = 1;

/**
 * Where a request goes: the load balancer's URL, or one instance directly with the `Host` the
 * load balancer forwards (each instance accepts only the resource's own host).
 */
export type Target = string | { url: string; host: string };

/**
 * `fetch` for a {@link Target}. Straight to an instance, it goes through `node:http`: `fetch`
 * always sends the `Host` of the URL.
 */
export async function send(
  target: Target,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<Response> {
  if (typeof target === 'string') return fetch(target, init);
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(target.url, {
      method: init.method,
      headers: { ...init.headers, host: target.host },
      signal: init.signal,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(init.body);
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers))
    if (typeof value === 'string') headers.set(name, value);
  const body = Readable.toWeb(res) as ReadableStream<Uint8Array>;
  return new Response(res.statusCode === 204 ? null : body, {
    status: res.statusCode ?? 500,
    headers,
  });
}

/** The JSON-RPC messages of an SSE body. */
export const sseMessages = (text: string) =>
  text
    .split('\n\n')
    .flatMap((frame) => frame.split('\n').filter((line) => line.startsWith('data: ')))
    .map((line) => line.slice(6))
    .filter((data) => data.trim() !== '')
    .map((data) => JSON.parse(data) as Record<string, unknown>);

/**
 * A 2026-07-28 `tools/call`: the HTTP status, `Retry-After` and the JSON-RPC response, if any.
 * `credential` is a bearer token, or the headers that carry one (`authorization` and `dpop`).
 */
export async function callTool(
  target: Target,
  credential: string | Record<string, string>,
  name: string,
  args: Record<string, unknown>,
): Promise<{ status: number; retryAfter?: string; response?: Record<string, unknown> }> {
  const id = nextId++;
  const answer = await send(target, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(typeof credential === 'string' ? { authorization: `Bearer ${credential}` } : credential),
      'mcp-protocol-version': MODERN,
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: args, _meta: envelope },
    }),
  });
  const text = await answer.text();
  const messages = (answer.headers.get('content-type') ?? '').startsWith('text/event-stream')
    ? sseMessages(text)
    : text
      ? [JSON.parse(text) as Record<string, unknown>]
      : [];
  return {
    status: answer.status,
    retryAfter: answer.headers.get('retry-after') ?? undefined,
    // A refusal before the body was read answers with a null id.
    response: messages.find((message) => message.id === id || message.id === null),
  };
}

/** Whether a `tools/call` answer is a successful result. */
export const succeeded = (answer: { status: number; response?: Record<string, unknown> }) =>
  answer.status === 200 &&
  answer.response?.result !== undefined &&
  (answer.response.result as { isError?: boolean }).isError !== true;

/** An open 2026-07-28 `subscriptions/listen` stream. */
export interface Listener {
  /** The next message on the stream, or `undefined` when it ended. */
  next(): Promise<Record<string, unknown> | undefined>;
  close(): void;
}

export async function listen(
  target: Target,
  token: string,
  uris: readonly string[],
): Promise<Listener> {
  const controller = new AbortController();
  const answer = await send(target, {
    method: 'POST',
    signal: controller.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      'mcp-protocol-version': MODERN,
      'mcp-method': 'subscriptions/listen',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: `listen-${nextId++}`,
      method: 'subscriptions/listen',
      params: { _meta: envelope, notifications: { resourceSubscriptions: uris } },
    }),
  });
  if (answer.status !== 200) throw new Error(`listen answered ${answer.status}`);
  const reader = answer.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  return {
    async next() {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end !== -1) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = frame.split('\n').find((line) => line.startsWith('data: '));
          if (data && data.trim() !== 'data:') return JSON.parse(data.slice(6));
          continue;
        }
        const { value, done } = await reader.read().catch(() => ({ value: '', done: true }));
        if (done) return undefined;
        buffered += value;
      }
    },
    close: () => controller.abort(),
  };
}

/**
 * A WebSocket upgrade of `target`'s MCP endpoint (`/mcp/ws`), refused or not: its status (101
 * when accepted, the socket then closed at once) and `Retry-After`.
 */
export function upgrade(
  target: { url: string; host: string },
  headers: Record<string, string>,
): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${target.url}/ws`, {
      headers: {
        ...headers,
        host: target.host,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-protocol': 'mcp',
      },
    });
    req.once('upgrade', (_res, socket) => {
      socket.destroy();
      resolve({ status: 101 });
    });
    req.once('response', (res) => {
      res.resume();
      const retryAfter = res.headers['retry-after'];
      resolve({ status: res.statusCode ?? 0, retryAfter });
    });
    req.once('error', reject);
    req.end();
  });
}
