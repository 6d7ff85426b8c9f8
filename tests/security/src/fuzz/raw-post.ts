import { connect } from 'node:net';

/** What came back for one raw request. */
export interface RawAnswer {
  /** The status code, or `undefined` when the connection closed without an answer. */
  status: number | undefined;
  /** The head and as much of the body as arrived before the end (or the body deadline). */
  text: string;
  /** Milliseconds until the status line arrived, or until the connection closed. */
  headMs: number;
}

/**
 * Sends one POST exactly as given (header lines are sent byte for byte, latin1) on its own
 * connection and reads the answer: its head within `headDeadlineMs` (else `status` is
 * `undefined` and `headMs` is past the deadline: a hang), then its body until the server ends
 * it, or an event stream's first event, or `bodyMs` pass.
 */
export function rawPost(
  port: number,
  path: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body: Uint8Array,
  headDeadlineMs: number,
  bodyMs = 2_000,
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let headMs: number | undefined;
    let timer = setTimeout(() => socket.destroy(), headDeadlineMs);
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1];
      resolve({
        status: status === undefined ? undefined : Number(status),
        text,
        headMs: headMs ?? performance.now() - started,
      });
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const received = Buffer.concat(chunks).toString('latin1');
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      if (headMs === undefined) {
        headMs = performance.now() - started;
        clearTimeout(timer);
        timer = setTimeout(() => socket.destroy(), bodyMs);
      }
      // A stream that stays open (subscriptions/listen) is read up to its first event.
      const head = received.slice(0, headEnd).toLowerCase();
      if (
        head.includes('content-type: text/event-stream') &&
        /data: .*\n\n/.test(received.slice(headEnd))
      )
        socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    const head = [
      `POST ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      ...headers.map(([name, value]) => `${name}: ${value}`),
      `Content-Length: ${body.byteLength}`,
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    // The connection is not half-closed: Node.js servers drop an answer still to come on a
    // socket whose client has ended its side.
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  });
}
