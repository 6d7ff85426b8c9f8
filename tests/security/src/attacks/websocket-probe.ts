import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';

/** How an upgrade ended: an open socket, or a real HTTP refusal with its status, headers and body. */
export type Upgrade =
  | { kind: 'open'; socket: WebSocket }
  | { kind: 'refused'; status: number; headers: IncomingHttpHeaders; body: unknown };

/** Asks for a WebSocket upgrade with the given headers and subprotocols, and reports how it ended. */
export function upgrade(
  url: string,
  {
    headers = {},
    protocols = ['mcp'],
  }: { headers?: Record<string, string>; protocols?: string[] } = {},
): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers, maxPayload: 64 << 20 });
    socket.once('open', () => resolve({ kind: 'open', socket }));
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.once('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        resolve({ kind: 'refused', status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    socket.once('error', reject);
  });
}

/** Opens an upgrade that must succeed. */
export async function openSocket(url: string, token: string): Promise<WebSocket> {
  const result = await upgrade(url, { headers: { authorization: `Bearer ${token}` } });
  if (result.kind !== 'open') throw new Error(`upgrade refused with ${result.status}`);
  return result.socket;
}

/** Sends one JSON-RPC request and waits for the answer with the same id. */
export function call(
  socket: WebSocket,
  message: { id: string | number } & Record<string, unknown>,
) {
  return new Promise<Record<string, unknown>>((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const parsed = JSON.parse(data.toString()) as Record<string, unknown>;
      if (parsed.id !== message.id) return;
      socket.off('message', onMessage);
      resolve(parsed);
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify(message));
  });
}

/** Opens a 2025-06-18 session on the socket (`initialize`, then `notifications/initialized`). */
export async function initialize(socket: WebSocket): Promise<void> {
  await call(socket, {
    jsonrpc: '2.0',
    id: 'init',
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'attacker', version: '1' },
    },
  });
  socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
}

/** The close code the peer sent, once the socket has closed. */
export function closeCode(socket: WebSocket): Promise<number> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
  return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
}
