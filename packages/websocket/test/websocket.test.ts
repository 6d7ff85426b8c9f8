import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport as SdkWebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  createJwtVerifier,
  createMemoryRateLimiter,
  createPortcullis,
  createRegistry,
  defineTool,
  type RateLimiter,
} from '@portcullis/core';
import { startHttpServer } from '@portcullis/streamable-http';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import {
  attachWebSocketServer,
  type RunningWebSocketServer,
  startWebSocketServer,
  WebSocketClientTransport,
  type WebSocketOptions,
  WebSocketUpgradeError,
} from '../src/index.js';

let running = 0;
let mostAtOnce = 0;

const registry = createRegistry({
  tools: [
    defineTool({
      name: 'read_file',
      description: 'Read.',
      scopes: ['files:read'],
      input: z.object({ path: z.string() }),
      handler: ({ path }, { auth }) => ({
        content: [{ type: 'text', text: `${auth?.subject} read ${path}` }],
      }),
    }),
    defineTool({
      name: 'write_file',
      description: 'Write.',
      scopes: ['files:write'],
      input: z.object({ path: z.string() }),
      handler: ({ path }) => ({ content: [{ type: 'text', text: `wrote ${path}` }] }),
    }),
    defineTool({
      name: 'slow',
      description: 'Sleeps, counting how many sleep at once.',
      scopes: [],
      input: z.object({ ms: z.number() }),
      handler: async ({ ms }) => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((resolve) => setTimeout(resolve, ms));
        running -= 1;
        return { content: [{ type: 'text', text: `slept ${ms}` }] };
      },
    }),
    defineTool({
      name: 'big',
      description: 'Answers 512 KiB.',
      scopes: [],
      handler: () => ({ content: [{ type: 'text', text: 'x'.repeat(512 * 1024) }] }),
    }),
  ],
});

const text = (result: object) => (result as { content: Array<{ text: string }> }).content[0]!.text;
const closed = (socket: WebSocket) =>
  new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
const nextMessage = (socket: WebSocket) =>
  new Promise<Record<string, unknown>>((resolve) =>
    socket.once('message', (data) => resolve(JSON.parse(String(data)))),
  );

describe('MCP over WebSocket', () => {
  let as: AuthorizationServer;
  const servers: RunningWebSocketServer[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    as = await startAuthorizationServer();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
    await Promise.all(servers.splice(0).map((server) => server.close({ deadlineMs: 500 })));
  });
  afterAll(() => as.close());

  async function serve(
    options: WebSocketOptions & {
      rateLimiter?: RateLimiter;
      open?: boolean;
      clockToleranceSeconds?: number;
    } = {},
  ) {
    const { rateLimiter, open, clockToleranceSeconds, ...wsOptions } = options;
    const server = await startWebSocketServer({
      ...wsOptions,
      portcullis: ({ origin }) =>
        createPortcullis({
          resource: `${origin}/mcp`,
          server: { name: 'ws-files', version: '1.0.0' },
          registry,
          verifier: open
            ? false
            : createJwtVerifier({
                issuers: [as.issuer],
                audience: `${origin}/mcp`,
                clockToleranceSeconds,
              }),
          authorizationServers: open ? undefined : [as.issuer],
          rateLimiter,
          logger: { debug() {}, info() {}, warn() {}, error() {} },
        }),
    });
    servers.push(server);
    return Object.assign(server, { resource: server.portcullis.resource });
  }

  async function connect(transport: Transport) {
    const client = new Client({ name: 'ws-test', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  /** A raw `ws` client with a token header, for what the SDK client cannot do. */
  async function raw(url: string, token: string, options: { autoPong?: boolean } = {}) {
    const socket = new WebSocket(url, ['mcp'], {
      headers: { authorization: `Bearer ${token}` },
      ...options,
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return socket;
  }

  it('lists and calls with a real token in the Authorization header; refuses calls beyond its scopes', async () => {
    const server = await serve();
    const token = await as.mintToken({
      audience: server.resource,
      scopes: ['files:read'],
      subject: 'wendy',
    });
    const client = await connect(new WebSocketClientTransport(server.url, { token }));
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([
      'read_file',
      'slow',
      'big',
    ]);
    expect(text(await client.callTool({ name: 'read_file', arguments: { path: 'a' } }))).toBe(
      'wendy read a',
    );
    const refused = await client
      .callTool({ name: 'write_file', arguments: { path: 'a' } })
      .catch((error: unknown) => error);
    expect((refused as McpError).code).toBe(-32001);
    expect((refused as McpError).data).toEqual({
      tool: 'write_file',
      required_scope: 'files:write',
      required_scopes: ['files:write'],
      granted_scopes: ['files:read'],
    });
  });

  it('accepts the token as a subprotocol entry, as browsers must send it, and selects only mcp', async () => {
    const server = await serve();
    const token = await as.mintToken({ audience: server.resource, scopes: ['files:read'] });
    const client = await connect(
      new WebSocketClientTransport(server.url, { token, tokenPlacement: 'subprotocol' }),
    );
    expect(text(await client.callTool({ name: 'read_file', arguments: { path: 'b' } }))).toBe(
      'dev-user read b',
    );
    const socket = await raw(server.url, token);
    expect(socket.protocol).toBe('mcp');
    socket.close();
  });

  it('answers a failed upgrade with a real HTTP 401 and its challenge: no token, bad token, wrong audience', async () => {
    const server = await serve();
    const failure = async (token?: string) => {
      const error = await new WebSocketClientTransport(server.url, { token })
        .start()
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WebSocketUpgradeError);
      return error as WebSocketUpgradeError;
    };
    const none = await failure();
    expect(none.status).toBe(401);
    expect(none.wwwAuthenticate).toBe(
      `Bearer resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', server.resource).href}", scope="files:read files:write"`,
    );
    const forged = await failure('e30.e30.c2ln');
    expect([forged.status, forged.wwwAuthenticate?.includes('error="invalid_token"')]).toEqual([
      401,
      true,
    ]);
    const foreign = await failure(await as.mintToken({ audience: 'http://127.0.0.1:1/mcp' }));
    expect(foreign.status).toBe(401);
    expect(JSON.parse(foreign.body).error.data).toMatch(/is not accepted here/);
  });

  it('refuses a forged Origin, a missing mcp subprotocol, and tokens in the URL', async () => {
    const server = await serve();
    const token = await as.mintToken({ audience: server.resource });
    const status = (url: string, protocols: string[], headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(url, protocols, { headers });
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
        socket.once('open', () => resolve(101));
        socket.once('error', () => undefined);
      });
    expect(
      await status(server.url, ['mcp'], {
        authorization: `Bearer ${token}`,
        origin: 'https://evil.example',
      }),
    ).toBe(403);
    expect(await status(server.url, ['chat'], { authorization: `Bearer ${token}` })).toBe(400);
    expect(await status(`${server.url}?access_token=${token}`, ['mcp'], {})).toBe(400);
  });

  it('answers 401, never 503, to a malformed bearer. entry, and 400 to two Authorization headers', async () => {
    const server = await serve();
    const token = await as.mintToken({ audience: server.resource });
    const answer = (protocols: string[], headers: Record<string, string | string[]>) =>
      new Promise<{ status: number; challenge: string | undefined }>((resolve) => {
        const socket = new WebSocket(server.url, protocols, { headers: headers as never });
        socket.once('unexpected-response', (_req, res) =>
          resolve({ status: res.statusCode!, challenge: res.headers['www-authenticate'] }),
        );
        socket.once('open', () => resolve({ status: 101, challenge: undefined }));
        socket.once('error', () => undefined);
      });
    for (const entry of ['bearer.%%%', 'bearer.a', 'bearer._w']) {
      const refused = await answer(['mcp', entry], {});
      expect(refused.status, entry).toBe(401);
      expect(refused.challenge, entry).toContain('error="invalid_token"');
    }
    const twice = await answer(['mcp'], { authorization: [`Bearer ${token}`, 'Bearer other'] });
    expect(twice.status).toBe(400);
    expect(twice.challenge).toContain('error="invalid_request"');
  });

  it('refuses calls after the token expires, then closes with 4401', async () => {
    const server = await serve({ reauthGraceMs: 400, clockToleranceSeconds: 0 });
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + 2;
    const token = await as.mintToken({
      audience: server.resource,
      scopes: ['files:read'],
      issuedAt,
      expiresIn: 2,
    });
    const transport = new WebSocketClientTransport(server.url, { token });
    const client = await connect(transport);
    expect(text(await client.callTool({ name: 'read_file', arguments: { path: 'a' } }))).toBe(
      'dev-user read a',
    );
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
    const refused = await client
      .callTool({ name: 'read_file', arguments: { path: 'a' } })
      .catch((error: unknown) => error);
    expect([(refused as McpError).code, (refused as McpError).data]).toEqual([
      -32001,
      'token has expired',
    ]);
    expect(transport.closeCode).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 500));
    expect([transport.closeCode, transport.closeReason]).toEqual([4401, 'token expired']);
  });

  it('re-authenticates in-band with a fresh token of the same identity, keeping the connection', async () => {
    const server = await serve({ reauthGraceMs: 200, clockToleranceSeconds: 0 });
    const issuedAt = Math.floor(Date.now() / 1000);
    const firstExpiresAt = issuedAt + 3;
    const transport = new WebSocketClientTransport(server.url, {
      token: await as.mintToken({
        audience: server.resource,
        scopes: ['files:read'],
        subject: 'rita',
        issuedAt,
        expiresIn: 3,
      }),
    });
    const client = await connect(transport);
    const fresh = await as.mintToken({
      audience: server.resource,
      scopes: ['files:read', 'files:write'],
      subject: 'rita',
      expiresIn: 600,
    });
    const result = await transport.reauthenticate(fresh);
    expect(result.scopes).toEqual(['files:read', 'files:write']);
    // Past the first token's expiry and its grace period: the fresh token keeps the connection.
    await new Promise((resolve) => setTimeout(resolve, firstExpiresAt * 1000 - Date.now() + 500));
    expect(transport.closeCode).toBeUndefined();
    expect(text(await client.callTool({ name: 'write_file', arguments: { path: 'c' } }))).toBe(
      'wrote c',
    );
  });

  it("refuses re-authentication with another identity's token and closes with 4403", async () => {
    const server = await serve();
    const transport = new WebSocketClientTransport(server.url, {
      token: await as.mintToken({ audience: server.resource, subject: 'rita' }),
    });
    await connect(transport);
    const other = await as.mintToken({
      audience: server.resource,
      subject: 'mallory',
      scopes: ['files:write'],
    });
    await expect(transport.reauthenticate(other)).rejects.toThrow(/another identity/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(transport.closeCode).toBe(4403);
  });

  it('answers invalid JSON with -32700 without closing; closes on binary frames (1003) and oversized frames (1009)', async () => {
    const server = await serve({ maxPayload: 2048 });
    const token = await as.mintToken({ audience: server.resource });
    const socket = await raw(server.url, token);
    socket.send('{not json');
    expect(await nextMessage(socket)).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error: the frame is not valid JSON' },
    });
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
    expect(await nextMessage(socket)).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    const binaryClosed = closed(socket);
    socket.send(Buffer.from([1, 2, 3]));
    expect(await binaryClosed).toBe(1003);

    const big = await raw(server.url, token);
    const bigClosed = closed(big);
    big.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'read_file', arguments: { path: 'y'.repeat(4096) } },
      }),
    );
    expect(await bigClosed).toBe(1009);
  });

  it('rate-limits a flood per identity with JSON-RPC errors', async () => {
    const server = await serve({
      rateLimiter: createMemoryRateLimiter({ limit: 5, windowMs: 60_000 }),
    });
    const socket = await raw(server.url, await as.mintToken({ audience: server.resource }));
    const answers: Array<Record<string, unknown>> = [];
    socket.on('message', (data) => answers.push(JSON.parse(String(data))));
    for (let id = 1; id <= 10; id += 1)
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }));
    while (answers.length < 10) await new Promise((resolve) => setTimeout(resolve, 10));
    // The upgrade was the first authenticated request of this identity: 4 of the 5 remain.
    expect(answers.filter((answer) => 'result' in answer)).toHaveLength(4);
    expect(
      answers.filter(
        (answer) => (answer.error as { message?: string })?.message === 'Too many requests',
      ),
    ).toHaveLength(6);
    expect(answers.at(-1)).toMatchObject({
      id: 10,
      error: { code: -32000, data: { retryAfterSeconds: expect.any(Number) } },
    });
    socket.close();
  });

  it('drops a client that does not read (slow consumer) once its send buffer passes the bound', async () => {
    const server = await serve({ maxBufferedBytes: 256 * 1024 });
    const socket = await raw(server.url, await as.mintToken({ audience: server.resource }));
    const until = async (condition: () => boolean) => {
      for (let waited = 0; !condition() && waited < 8000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
    };
    await until(() => server.connectionCount === 1);
    expect(server.connectionCount).toBe(1);
    let received = 0;
    socket.on('message', () => {
      received += 1;
    });
    const code = closed(socket);
    socket.pause();
    for (let id = 1; id <= 60; id += 1)
      socket.send(
        JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'big' } }),
      );
    await until(() => server.connectionCount === 0);
    expect(server.connectionCount).toBe(0);
    socket.resume();
    expect([4408, 1006]).toContain(await code);
    expect(received).toBeLessThan(60);
  });

  it('drops a dead peer that stops answering pings', async () => {
    const server = await serve({ heartbeatMs: 100 });
    const socket = await raw(server.url, await as.mintToken({ audience: server.resource }), {
      autoPong: false,
    });
    for (let waited = 0; server.connectionCount === 0 && waited < 2000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.connectionCount).toBe(1);
    const code = await closed(socket);
    expect(code).toBe(1006);
    for (let waited = 0; server.connectionCount > 0 && waited < 2000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.connectionCount).toBe(0);
  });

  it('answers 503 at the upgrade once maxConnections are open', async () => {
    const server = await serve({ maxConnections: 1 });
    const token = await as.mintToken({ audience: server.resource });
    const first = await raw(server.url, token);
    for (let waited = 0; server.connectionCount === 0 && waited < 2000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const refused = await new WebSocketClientTransport(server.url, { token })
      .start()
      .catch((error: unknown) => error);
    expect((refused as WebSocketUpgradeError).status).toBe(503);
    first.close();
  });

  it('counts an upgrade against maxConnections from its start: simultaneous connects cannot all open', async () => {
    const server = await serve({ maxConnections: 1 });
    const tokens = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        as.mintToken({ audience: server.resource, subject: `user-${index}` }),
      ),
    );
    const sockets: WebSocket[] = [];
    const statuses = await Promise.all(
      tokens.map(
        (token) =>
          new Promise<number>((resolve) => {
            const socket = new WebSocket(server.url, ['mcp'], {
              headers: { authorization: `Bearer ${token}` },
            });
            sockets.push(socket);
            socket.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
            socket.once('open', () => resolve(101));
            socket.once('error', () => undefined);
          }),
      ),
    );
    expect(statuses.filter((status) => status === 101)).toHaveLength(1);
    expect(statuses.filter((status) => status === 503)).toHaveLength(7);
    for (const socket of sockets) socket.terminate();
  });

  it('reads a flooding connection only as fast as it is answered, while others are served', async () => {
    const server = await serve({ maxInFlightPerConnection: 4 });
    const token = await as.mintToken({ audience: server.resource, scopes: ['files:read'] });
    const flooder = await raw(server.url, token);
    const answered = new Promise<void>((resolve) => {
      let count = 0;
      flooder.on('message', () => {
        count += 1;
        if (count === 400) resolve();
      });
    });
    mostAtOnce = 0;
    for (let id = 1; id <= 400; id += 1)
      flooder.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: 'slow', arguments: { ms: 2 } },
        }),
      );
    const other = await connect(new WebSocketClientTransport(server.url, { token }));
    expect(text(await other.callTool({ name: 'read_file', arguments: { path: 'b' } }))).toBe(
      'dev-user read b',
    );
    await answered;
    expect(mostAtOnce).toBeGreaterThan(0);
    expect(mostAtOnce).toBeLessThanOrEqual(4);
    flooder.close();
  });

  it('lets a call in flight finish on shutdown, then closes with 1001', async () => {
    const server = await serve();
    const transport = new WebSocketClientTransport(server.url, {
      token: await as.mintToken({ audience: server.resource }),
    });
    const client = await connect(transport);
    const call = client.callTool({ name: 'slow', arguments: { ms: 300 } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close({ deadlineMs: 2000 });
    expect(text(await call)).toBe('slept 300');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(transport.closeCode).toBe(1001);
    servers.splice(servers.indexOf(server as never), 1);
  });

  it("works with the SDK's stock WebSocketClientTransport against a server open to everyone", async () => {
    const server = await serve({ open: true });
    const globals = globalThis as { WebSocket?: unknown };
    const previous = globals.WebSocket;
    globals.WebSocket = WebSocket;
    try {
      const client = await connect(new SdkWebSocketClientTransport(new URL(server.url)));
      expect((await client.listTools()).tools).toHaveLength(4);
      expect(text(await client.callTool({ name: 'write_file', arguments: { path: 'open' } }))).toBe(
        'wrote open',
      );
    } finally {
      globals.WebSocket = previous;
    }
  });

  it('shares one port and one token with the Streamable HTTP endpoint', async () => {
    const http = await startHttpServer({
      portcullis: ({ origin }) =>
        createPortcullis({
          resource: `${origin}/mcp`,
          server: { name: 'both', version: '1.0.0' },
          registry,
          verifier: createJwtVerifier({ issuers: [as.issuer], audience: `${origin}/mcp` }),
          authorizationServers: [as.issuer],
        }),
    });
    const ws = attachWebSocketServer(http.server, http.portcullis, { path: '/mcp/ws' });
    try {
      const token = await as.mintToken({
        audience: http.portcullis.resource,
        scopes: ['files:read'],
      });
      const overHttp = await connect(
        new StreamableHTTPClientTransport(new URL(http.url), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      const wsUrl = `ws://${http.address.host}:${http.address.port}/mcp/ws`;
      const overWs = await connect(new WebSocketClientTransport(wsUrl, { token }));
      expect(text(await overHttp.callTool({ name: 'read_file', arguments: { path: 'h' } }))).toBe(
        'dev-user read h',
      );
      expect(text(await overWs.callTool({ name: 'read_file', arguments: { path: 'w' } }))).toBe(
        'dev-user read w',
      );
    } finally {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await ws.close({ deadlineMs: 200 });
      await http.close();
    }
  });
});
