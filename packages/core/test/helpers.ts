import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A manual clock in milliseconds, shared by verifier and cache under test. */
export function createClock(start = Date.now()) {
  let time = start;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with an arbitrary header and claims and a garbage or HMAC signature. */
export function forgeToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  hmacSecret?: string | Buffer,
): string {
  const signingInput = `${encode(header)}.${encode(claims)}`;
  const signature = hmacSecret
    ? createHmac('sha256', hmacSecret).update(signingInput).digest('base64url')
    : Buffer.from(randomUUID()).toString('base64url');
  return `${signingInput}.${signature}`;
}

/** Serves fixed JSON documents by path on a free loopback port, counting requests. */
export async function serveJson(
  documents: Record<string, unknown>,
): Promise<{ url: string; server: Server; hits: Map<string, number>; close(): Promise<void> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const document = documents[path];
    res.writeHead(document === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(document ?? { error: 'not_found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
