import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Answers a refused upgrade with a real HTTP response on the raw socket, then closes it, so
 * the client sees the status and the `WWW-Authenticate` challenge as from any HTTP request.
 */
export function writeRawHttpAnswer(
  socket: Duplex,
  status: number,
  headers: Record<string, string>,
  body?: unknown,
): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    ...Object.entries({
      ...headers,
      ...(payload && { 'content-type': 'application/json' }),
      'content-length': String(Buffer.byteLength(payload)),
      connection: 'close',
    }).map(([name, value]) => `${name}: ${value}`),
  ];
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`${lines.join('\r\n')}\r\n\r\n${payload}`);
}
