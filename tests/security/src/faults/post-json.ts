import { request } from 'node:http';

/**
 * POSTs a JSON-RPC message with a bearer token and settles however the exchange ends, the
 * server dying included: with the answer's status and body, or `undefined` when there was none.
 * `onSent` is called once the whole request is handed to the system.
 */
export function postJson(
  url: string,
  token: string,
  message: unknown,
  onSent?: () => void,
): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const body = JSON.stringify(message);
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.once('error', () => resolve(undefined));
      },
    );
    req.once('error', () => resolve(undefined));
    if (onSent) req.once('finish', onSent);
    req.end(body);
  });
}
