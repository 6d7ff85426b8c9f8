import { Client as ModernClient, ProtocolError } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import {
  createJwtVerifier,
  createMemoryRateLimiter,
  createPortcullis,
  createRegistry,
  defineTool,
  type RateLimiter,
} from '@portcullis/core';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import {
  type RunningWebSocketServer,
  startWebSocketServer,
  WebSocketClientTransport,
} from '../src/index.js';

const registry = createRegistry({
  tools: [
    defineTool({
      name: 'read_file',
      description: 'Read.',
      scopes: ['files:read'],
      input: z.object({ path: z.string() }),
      handler: ({ path }, { auth, era }) => ({
        content: [{ type: 'text', text: `${auth?.subject} read ${path} (${era})` }],
      }),
    }),
    defineTool({
      name: 'write_file',
      description: 'Write.',
      scopes: ['files:write'],
      input: z.object({ path: z.string() }),
      handler: ({ path }) => ({ content: [{ type: 'text', text: `wrote ${path}` }] }),
    }),
  ],
});

const MODERN = '2026-07-28';
const envelope = (version = MODERN) => ({
  'io.modelcontextprotocol/protocolVersion': version,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
});
const text = (result: object) => (result as { content: Array<{ text: string }> }).content[0]!.text;

/** A raw `ws` client that sends one JSON-RPC request at a time and reads its answer. */
async function rawClient(url: string, token: string) {
  const socket = new WebSocket(url, ['mcp'], { headers: { authorization: `Bearer ${token}` } });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const answers = new Map<unknown, (answer: Record<string, unknown>) => void>();
  socket.on('message', (data) => {
    const answer = JSON.parse(String(data));
    answers.get(answer.id)?.(answer);
  });
  let nextId = 1;
  return {
    socket,
    request(method: string, params?: Record<string, unknown>) {
      const id = nextId++;
      const answered = new Promise<Record<string, unknown>>((resolve) => answers.set(id, resolve));
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params && { params }) }));
      return answered;
    },
  };
}

describe('both protocol eras over WebSocket, chosen per connection', () => {
  let as: AuthorizationServer;
  let server: RunningWebSocketServer;
  const closers: Array<() => Promise<unknown> | unknown> = [];

  beforeAll(async () => {
    as = await startAuthorizationServer();
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
    await server?.close({ deadlineMs: 200 });
  });
  afterAll(() => as.close());

  async function serve(rateLimiter?: RateLimiter) {
    server = await startWebSocketServer({
      portcullis: ({ origin }) =>
        createPortcullis({
          resource: `${origin}/mcp`,
          server: { name: 'ws-eras', version: '2.0.0' },
          registry,
          verifier: createJwtVerifier({ issuers: [as.issuer], audience: `${origin}/mcp` }),
          authorizationServers: [as.issuer],
          rateLimiter,
          logger: { debug() {}, info() {}, warn() {}, error() {} },
        }),
    });
    return server.portcullis.resource;
  }

  const token = (resource: string, scopes: string[], subject = 'erin') =>
    as.mintToken({ audience: resource, scopes, subject });

  async function raw(resource: string, scopes: string[]) {
    const client = await rawClient(server.url, await token(resource, scopes));
    closers.push(() => client.socket.close());
    return client;
  }

  it("serves the official v2 client pinned to 2026-07-28: discovery, tools filtered by the token's scopes, -32001 beyond them", async () => {
    const resource = await serve();
    const client = new ModernClient(
      { name: 'modern', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: MODERN } } },
    );
    await client.connect(
      new WebSocketClientTransport(server.url, { token: await token(resource, ['files:read']) }),
    );
    closers.push(() => client.close());
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    expect(client.getDiscoverResult()?.supportedVersions).toEqual([MODERN]);
    expect(client.getServerVersion()).toMatchObject({ name: 'ws-eras', version: '2.0.0' });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['read_file']);
    expect(text(await client.callTool({ name: 'read_file', arguments: { path: 'a' } }))).toBe(
      'erin read a (modern)',
    );
    const refused = await client
      .callTool({ name: 'write_file', arguments: { path: 'a' } })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProtocolError);
    expect((refused as ProtocolError).code).toBe(-32001);
    expect((refused as ProtocolError).data).toMatchObject({
      required_scopes: ['files:write'],
      granted_scopes: ['files:read'],
    });
  });

  it('answers server/discover right after an authorized upgrade, then keeps the connection modern', async () => {
    const resource = await serve();
    const { request } = await raw(resource, ['files:read']);
    expect(await request('server/discover', { _meta: envelope() })).toMatchObject({
      result: {
        resultType: 'complete',
        supportedVersions: [MODERN],
        capabilities: { tools: {} },
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'ws-eras', version: '2.0.0' } },
      },
    });
    // Pinned: a 2025 handshake is refused, and every request must carry its own envelope.
    expect(await request('initialize', legacyInitialize)).toMatchObject({
      error: { code: -32601 },
    });
    expect(await request('tools/list')).toMatchObject({ error: { code: -32602 } });
    expect(await request('tools/list', { _meta: envelope('1900-01-01') })).toMatchObject({
      error: {
        code: -32022,
        data: { supported: [MODERN], requested: '1900-01-01' },
      },
    });
    expect(await request('tools/list', { _meta: envelope() })).toMatchObject({
      result: { tools: [{ name: 'read_file' }], resultType: 'complete' },
    });
    expect(
      await request('tools/call', {
        _meta: envelope(),
        name: 'write_file',
        arguments: { path: 'x' },
      }),
    ).toMatchObject({ error: { code: -32001, data: { granted_scopes: ['files:read'] } } });
  });

  it('re-authenticates in-band on a modern connection; the new scopes apply to the next request', async () => {
    const resource = await serve();
    const { request } = await raw(resource, ['files:read']);
    const call = () =>
      request('tools/call', { _meta: envelope(), name: 'write_file', arguments: { path: 'y' } });
    expect(await call()).toMatchObject({ error: { code: -32001 } });
    expect(
      await request('portcullis/authenticate', {
        token: await token(resource, ['files:read', 'files:write']),
      }),
    ).toMatchObject({ result: { scopes: ['files:read', 'files:write'] } });
    expect(await call()).toMatchObject({
      result: { content: [{ type: 'text', text: 'wrote y' }], resultType: 'complete' },
    });
  });

  it('rate-limits modern requests per identity like 2025-era ones', async () => {
    const resource = await serve(createMemoryRateLimiter({ limit: 3, windowMs: 60_000 }));
    const { request } = await raw(resource, ['files:read']);
    const answers = await Promise.all(
      [1, 2, 3].map(() => request('server/discover', { _meta: envelope() })),
    );
    // The upgrade counted as the first request of this identity.
    expect(answers.filter((answer) => 'result' in answer)).toHaveLength(2);
    expect(answers[2]).toMatchObject({ error: { code: -32000, message: 'Too many requests' } });
  });

  it('leaves the era open after an unsupported revision, so the client can still fall back to initialize', async () => {
    const resource = await serve();
    const { request } = await raw(resource, ['files:read']);
    expect(await request('server/discover', { _meta: envelope('2099-01-01') })).toMatchObject({
      error: { code: -32022, data: { supported: [MODERN], requested: '2099-01-01' } },
    });
    expect(await request('initialize', legacyInitialize)).toMatchObject({
      result: { protocolVersion: '2025-06-18', serverInfo: { name: 'ws-eras' } },
    });
    // Pinned to 2025: the revision's methods are not there.
    expect(await request('server/discover', { _meta: envelope() })).toMatchObject({
      error: { code: -32601 },
    });
  });

  it('serves a 2025 client (official v1 SDK) and a 2026-07-28 client side by side on one server', async () => {
    const resource = await serve();
    const legacy = new LegacyClient({ name: 'legacy', version: '1.0.0' });
    await legacy.connect(
      new WebSocketClientTransport(server.url, {
        token: await token(resource, ['files:read'], 'lee'),
      }),
    );
    closers.push(() => legacy.close());
    const modern = new ModernClient(
      { name: 'modern', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: MODERN } } },
    );
    await modern.connect(
      new WebSocketClientTransport(server.url, {
        token: await token(resource, ['files:read'], 'mo'),
        tokenPlacement: 'subprotocol',
      }),
    );
    closers.push(() => modern.close());
    const [old, current] = await Promise.all([
      legacy.callTool({ name: 'read_file', arguments: { path: 'l' } }),
      modern.callTool({ name: 'read_file', arguments: { path: 'm' } }),
    ]);
    expect(text(old)).toBe('lee read l (legacy)');
    expect(text(current)).toBe('mo read m (modern)');
    expect(legacy.getServerVersion()).toMatchObject({ name: 'ws-eras' });
  });
});

const legacyInitialize = {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'raw', version: '1' },
};
