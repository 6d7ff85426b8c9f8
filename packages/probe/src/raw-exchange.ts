import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** What came back on a raw socket: the status and headers, parsed from the bytes received. */
export interface RawAnswer {
  status?: number;
  headers: Record<string, string>;
  body: string;
  error?: string;
  /** Set when the server closed the connection without an answer: how many body bytes had been queued by then. */
  closedAfter?: number;
}

/** The head of an HTTP/1.1 answer in `text`, once it is all there. */
function parseHead(text: string): RawAnswer | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  return { ...(status && { status }), headers, body: text.slice(end + 4) };
}

/**
 * Sends a request declaring `declaredLength` body bytes on a raw socket, `first` then padding,
 * and reads the answer from the bytes received — even when the server answers early and closes
 * while the body is still being written (an `http.request` would report only the broken pipe).
 */
export function sendDeclaringLength(
  url: URL,
  head: { method: string; headers: Record<string, string> },
  first: string,
  declaredLength: number,
  timeoutMs: number,
): Promise<RawAnswer> {
  const secure = url.protocol === 'https:';
  const port = Number(url.port) || (secure ? 443 : 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const socket: Socket = secure
    ? connectTls({ host, port, servername: host })
    : connectTcp({ host, port });
  return new Promise((resolve) => {
    let received = '';
    let settled = false;
    let written = 0;
    const settle = (answer: RawAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(
      () =>
        settle({
          ...(parseHead(received) ?? { headers: {}, body: '' }),
          error: `no answer within ${timeoutMs} ms`,
        }),
      timeoutMs,
    );
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const answer = parseHead(received);
      if (answer) settle(answer);
    });
    socket.on('error', () => {});
    socket.on('close', () =>
      settle(
        parseHead(received) ?? {
          headers: {},
          body: '',
          error: 'the connection closed without an answer',
          closedAfter: written,
        },
      ),
    );
    const lines = [`${head.method} ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`];
    for (const [name, value] of Object.entries(head.headers))
      if (name !== 'host') lines.push(`${name}: ${value}`);
    lines.push(`content-length: ${declaredLength}`, 'connection: close');
    socket.write(`${lines.join('\r\n')}\r\n\r\n${first}`);
    const padding = Buffer.alloc(64 * 1024, 0x20);
    written = Buffer.byteLength(first);
    // One chunk per turn of the event loop, so an early answer is read as soon as it comes,
    // before the server's reset of a connection with unread bytes can discard it.
    const pump = () => {
      if (settled || socket.destroyed || written >= declaredLength) return;
      const piece = padding.subarray(0, Math.min(padding.length, declaredLength - written));
      written += piece.length;
      if (socket.write(piece)) setImmediate(pump);
      else socket.once('drain', pump);
    };
    pump();
  });
}
