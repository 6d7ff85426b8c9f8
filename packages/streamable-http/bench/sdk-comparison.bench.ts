import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  createCachingVerifier,
  createJwtVerifier,
  createPortcullis,
  createRegistry,
  defineTool,
} from '@portcullis/core';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, bench, describe } from 'vitest';
import { z } from 'zod';
import { startHttpServer } from '../src/index.js';
import { openLegacySession } from './legacy-session.js';
import { type RunningStack, startSdkV1Stack, startSdkV2Stack } from './sdk-stacks.js';

/**
 * Tool calls per second of the same scope-checked tool and the same token work (RS256 JWT,
 * verified with jose once, then from the verified-token cache) through Portcullis in both
 * protocol eras, the SDK v2 `createMcpHandler` stack and the SDK v1 Express stack; one
 * load generator in its own process, 32 keep-alive connections. The signing key's JWKS is
 * served from a bare `node:http` server: no authorization server runs in this process.
 */
const SECONDS = 4;
const CONCURRENCY = 32;
const MODERN = '2026-07-28';
const generator = fileURLToPath(new URL('./load-generator.mjs', import.meta.url));

const { publicKey, privateKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
const jwks = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
});
await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;

const verifierFor = (audience: string) =>
  createJwtVerifier({ issuers: [{ issuer, jwksUri: `${issuer}/jwks` }], audience });
const tokenFor = (audience: string) =>
  new SignJWT({ scope: 'files:read', client_id: 'bench' })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'at+jwt' })
    .setIssuer(issuer)
    .setSubject('bench-user')
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);

const portcullis = (mode: 'stateless' | 'stateful') =>
  startHttpServer({
    ...(mode === 'stateful' && { sessions: {}, jsonResponse: true }),
    portcullis: ({ origin }) =>
      createPortcullis({
        resource: `${origin}/mcp`,
        server: { name: 'bench', version: '1.0.0' },
        registry: createRegistry({
          tools: [
            defineTool({
              name: 'read_file',
              description: 'Read.',
              scopes: ['files:read'],
              input: z.object({ path: z.string() }),
              handler: ({ path }, { auth }) => ({
                content: [{ type: 'text', text: `${auth?.subject}:read:${path}` }],
              }),
            }),
          ],
        }),
        verifier: verifierFor(`${origin}/mcp`),
        authorizationServers: [issuer],
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      }),
  });

/** An SDK stack is started before its URL is known: its verifier learns the audience late. */
async function sdkStack(
  start: (verifier: ReturnType<typeof verifierFor>) => Promise<RunningStack>,
) {
  let audience = '';
  const verifier = createCachingVerifier({
    verify: (token) => verifierFor(audience).verify(token),
  });
  const stack = await start(verifier);
  audience = stack.url;
  return stack;
}

const stacks = {
  portcullis: await portcullis('stateless'),
  portcullisStateful: await portcullis('stateful'),
  sdkV2: await sdkStack((verifier) => startSdkV2Stack(verifier)),
  sdkV1: await sdkStack((verifier) => startSdkV1Stack(verifier, 'stateless')),
  sdkV1Stateful: await sdkStack((verifier) => startSdkV1Stack(verifier, 'stateful')),
};
afterAll(async () => {
  for (const stack of Object.values(stacks)) await stack.close();
  jwks.close();
});

const args = { path: 'a.txt' };
const legacyCall = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'read_file', arguments: args },
};
const modernCall = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'read_file',
    arguments: args,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
};
const modernHeaders = {
  'mcp-protocol-version': MODERN,
  'mcp-method': 'tools/call',
  'mcp-name': 'read_file',
};

async function measure(
  label: string,
  stack: RunningStack,
  body: object,
  headers: Record<string, string> = {},
) {
  const authorization = `Bearer ${await tokenFor(stack.url)}`;
  const { stdout } = await promisify(execFile)(process.execPath, [
    generator,
    JSON.stringify({
      url: stack.url,
      headers: { authorization, ...headers },
      body,
      seconds: SECONDS,
      concurrency: CONCURRENCY,
    }),
  ]);
  const { calls, errors, seconds } = JSON.parse(stdout) as {
    calls: number;
    errors: number;
    seconds: number;
  };
  console.log(
    `${label}: ${Math.round(calls / seconds).toLocaleString('en-US')} tool calls/s (${errors} errors, ${CONCURRENCY} connections, Node ${process.version})`,
  );
}

const once = { iterations: 1, warmupIterations: 0, time: 0 };

describe('tools/call throughput: Portcullis in both eras beside the official SDK stacks', () => {
  bench(
    'Portcullis, 2026-07-28 request',
    () => measure('Portcullis 2026-07-28', stacks.portcullis, modernCall, modernHeaders),
    once,
  );
  bench(
    'Portcullis, 2025 request, stateless',
    () => measure('Portcullis 2025 stateless', stacks.portcullis, legacyCall),
    once,
  );
  bench(
    'Portcullis, 2025 request, one session',
    async () => {
      const authorization = `Bearer ${await tokenFor(stacks.portcullisStateful.url)}`;
      const headers = await openLegacySession(stacks.portcullisStateful.url, authorization);
      await measure('Portcullis 2025 session', stacks.portcullisStateful, legacyCall, headers);
    },
    once,
  );
  bench(
    'SDK v2 createMcpHandler, 2026-07-28 request',
    () => measure('SDK v2 2026-07-28', stacks.sdkV2, modernCall, modernHeaders),
    once,
  );
  bench(
    'SDK v2 createMcpHandler, 2025 request',
    () => measure('SDK v2 2025 stateless', stacks.sdkV2, legacyCall),
    once,
  );
  bench(
    'SDK v1 Express, stateless',
    () => measure('SDK v1 stateless', stacks.sdkV1, legacyCall),
    once,
  );
  bench(
    'SDK v1 Express, one session',
    async () => {
      const authorization = `Bearer ${await tokenFor(stacks.sdkV1Stateful.url)}`;
      const headers = await openLegacySession(stacks.sdkV1Stateful.url, authorization);
      await measure('SDK v1 session', stacks.sdkV1Stateful, legacyCall, headers);
    },
    once,
  );
});
