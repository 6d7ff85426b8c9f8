import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Admission, OriginPolicy, RequestEntry } from '../src/adapter.js';
import { type AuthError, type AuthInfo, createRegistry, defineTool } from '../src/index.js';

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

/** A Streamable-HTTP-like request entry for `portcullis.admit`, from an `Authorization` value. */
export function requestEntry(
  authorization: string | readonly string[] | undefined,
  extra: Partial<RequestEntry> = {},
): RequestEntry {
  return {
    kind: 'request',
    transport: 'streamable-http',
    browser: { policy: ANY_BROWSER, host: undefined, origin: undefined },
    authorization,
    search: '',
    dpop: undefined,
    method: 'POST',
    url: 'https://mcp.example.test/mcp',
    ...extra,
  };
}

/** An origin policy that lets everything through, for tests of what comes after it. */
const ANY_BROWSER: OriginPolicy = {
  allowsHost: () => true,
  allowsOrigin: () => true,
  hostRefusal: () => 'never refused',
};

/** The identity of an admission, or the test fails with its refusal. */
export function admittedAuth(admission: Admission): AuthInfo | undefined {
  if (!admission.admitted) throw admission.refusal;
  return admission.auth;
}

/** The refusal of an admission, or the test fails. */
export function refusalOf(admission: Admission): AuthError {
  if (admission.admitted) throw new Error('expected a refusal, the entry was admitted');
  return admission.refusal;
}

/** A registry of two tools: `read_file` under `files:read`, `write_file` under `files:write`. */
export function readWriteRegistry() {
  return createRegistry({
    tools: [
      defineTool({
        name: 'read_file',
        description: 'r',
        scopes: ['files:read'],
        handler: () => ({ content: [] }),
      }),
      defineTool({
        name: 'write_file',
        description: 'w',
        scopes: ['files:write'],
        handler: () => ({ content: [] }),
      }),
    ],
  });
}
