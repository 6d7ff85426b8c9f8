import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import { type ListeningAddress, listen } from '@portcullis/core/adapter';

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/** A running {@link startBearerProxy}. */
export interface BearerProxy {
  readonly address: ListeningAddress;
  /** Sends requests from now on to `target` (`http://127.0.0.1:PORT`) with `token`; until then, 503. */
  forward(target: string, token: string): void;
  close(): Promise<void>;
}

/**
 * A loopback reverse proxy that adds `Authorization: Bearer <token>` to every request, for a
 * client that cannot send one (the conformance suite). Everything else passes unchanged and
 * streams both ways, `Host` included, so the server still sees the name the client used and
 * its DNS-rebinding check stays in force. It listens first, so that its URL (the resource,
 * hence the token's audience) is known before the token is issued.
 */
export async function startBearerProxy(port = 0): Promise<BearerProxy> {
  let route: { target: string; token: string } | undefined;
  const server = createServer((req, res) => {
    if (!route) {
      res.writeHead(503).end();
      return;
    }
    const upstream = request(new URL(req.url ?? '/', route.target), {
      method: req.method,
      headers: { ...endToEnd(req.headers), authorization: `Bearer ${route.token}` },
    });
    upstream.once('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
      res.flushHeaders();
      answer.pipe(res);
    });
    upstream.once('error', () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end();
    });
    // A client that goes away (the end of an SSE read) is passed on, so the server sees it.
    res.once('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  const address = await listen(server, '127.0.0.1', port);
  return {
    address,
    forward(target, token) {
      route = { target, token };
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
