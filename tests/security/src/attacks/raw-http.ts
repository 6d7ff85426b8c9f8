import { connect } from 'node:net';

/** What came back on a raw connection: the status of each HTTP answer, and the bytes. */
export interface RawExchange {
  /** The status code of every answer seen on the connection, in order. */
  statuses: number[];
  text: string;
  /** The first answer's body, parsed as JSON when it is JSON. */
  body: unknown;
  /** Whether the server closed the connection before `waitMs` ran out. */
  closedByServer: boolean;
}

/**
 * Writes `request` byte for byte on a fresh TCP connection to `url`'s host, for requests no
 * HTTP client would send (smuggling, absolute forms, repeated headers), and collects what
 * comes back until the server closes or `waitMs` passes.
 */
export function rawExchange(
  url: string,
  request: string | Buffer,
  waitMs = 1500,
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const statuses = [...text.matchAll(/^HTTP\/1\.[01] (\d{3}) /gm)].map((match) =>
        Number(match[1]),
      );
      resolve({ statuses, text, body: firstBody(text), closedByServer });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('end', () => finish(true));
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(request);
  });
}

/** An HTTP/1.1 request as text, CRLF-separated, with `Host` from `url` unless given. */
export function rawRequest(
  url: string,
  {
    method = 'POST',
    target,
    headers = [],
    body = '',
  }: {
    method?: string;
    target?: string;
    headers?: ReadonlyArray<readonly [string, string]>;
    body?: string;
  },
): string {
  const { host, pathname } = new URL(url);
  const lines = [`${method} ${target ?? pathname} HTTP/1.1`];
  if (!headers.some(([name]) => name.toLowerCase() === 'host')) lines.push(`Host: ${host}`);
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function firstBody(text: string): unknown {
  const start = text.indexOf('\r\n\r\n');
  if (start === -1) return undefined;
  const rest = text.slice(start + 4);
  const end = rest.search(/HTTP\/1\.[01] \d{3} /);
  try {
    return JSON.parse(
      Buffer.from(end === -1 ? rest : rest.slice(0, end), 'latin1').toString('utf8'),
    );
  } catch {
    return undefined;
  }
}
