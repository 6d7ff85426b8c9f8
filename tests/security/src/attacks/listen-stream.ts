import { mcpHeaders } from './json-rpc-http.js';

/** The `_meta` envelope of a 2026-07-28 request. */
export const MODERN_ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** A 2026-07-28 `subscriptions/listen` request for `uris`. */
export function listenRequest(id: string | number, uris: readonly unknown[]) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'subscriptions/listen',
    params: { _meta: MODERN_ENVELOPE, notifications: { resourceSubscriptions: uris } },
  };
}

/** A JSON-RPC message read from an SSE stream. */
export type StreamMessage = {
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
};

/** An open `subscriptions/listen` stream over Streamable HTTP. */
export interface ListenStream {
  status: number;
  /** The next message, or `undefined` once the server ended the stream. */
  next(): Promise<StreamMessage | undefined>;
  /** Goes away, as a client that closes its stream. */
  close(): void;
}

/** POSTs a 2026-07-28 `subscriptions/listen` for `uris` with `token` and reads its SSE stream. */
export async function openListenStream(
  url: string,
  token: string,
  uris: readonly unknown[],
  id: string | number = 'listen',
): Promise<ListenStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    signal: controller.signal,
    headers: mcpHeaders(token, {
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'subscriptions/listen',
    }),
    body: JSON.stringify(listenRequest(id, uris)),
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  return {
    status: response.status,
    async next() {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end !== -1) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = frame.split('\n').find((line) => line.startsWith('data: '));
          if (data) return JSON.parse(data.slice(6)) as StreamMessage;
          continue;
        }
        const read = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (read.done) return undefined;
        buffered += read.value;
      }
    },
    close: () => controller.abort(),
  };
}
