import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type AuditEvent,
  createJwtVerifier,
  createPortcullis,
  createRegistry,
  defineResource,
} from '@portcullis/core';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHttpServer, startHttpServer } from '../src/index.js';
import { post, startProtectedServer } from './fixtures.js';

const MODERN = '2026-07-28';
const envelope = (extra: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
  ...extra,
});

/** The headers a 2026-07-28 client sends with a request. */
const modernHeaders = (token: string, method: string, name?: string) => ({
  authorization: `Bearer ${token}`,
  'mcp-protocol-version': MODERN,
  'mcp-method': method,
  ...(name !== undefined && { 'mcp-name': name }),
});

const call = (id: number, name: string, args: object = {}, meta = envelope()) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, _meta: meta },
});

/** The JSON-RPC messages of an SSE body, in order. */
const sseMessages = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)));

describe('MCP 2026-07-28 over Streamable HTTP', () => {
  let as: AuthorizationServer;
  let server: RunningHttpServer;
  let stateful: RunningHttpServer;
  let reader: string;
  const audit: AuditEvent[] = [];

  beforeAll(async () => {
    as = await startAuthorizationServer();
    server = await startProtectedServer(as, { audit });
    stateful = await startProtectedServer(as, { sessions: {} });
    reader = await as.mintToken({ audience: server.url, scopes: ['files:read'] });
  });
  afterAll(async () => {
    await server?.close();
    await stateful?.close();
    await as?.close();
  });

  it('serves the official v2 client pinned to 2026-07-28: discovery, filtered lists, calls, step-up refusals', async () => {
    const client = new Client(
      { name: 'modern', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: MODERN } } },
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { authorization: `Bearer ${reader}` } },
      }),
    );
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['read_file', 'slow', 'whoami']);
    const result = await client.callTool({ name: 'read_file', arguments: { path: 'a.txt' } });
    expect(result.content).toEqual([{ type: 'text', text: 'a:dev-user:read:a.txt' }]);
    await expect(
      client.callTool({ name: 'write_file', arguments: { path: 'a.txt' } }),
    ).rejects.toThrow(/Insufficient scope: required "files:read files:write"/);
    await client.close();
  });

  it('answers server/discover and stamps resultType, serverInfo and private cache hints on filtered lists', async () => {
    const discover = await post(
      server.url,
      { jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: envelope() } },
      modernHeaders(reader, 'server/discover'),
    );
    expect(discover.status).toBe(200);
    expect(discover.json.result).toMatchObject({
      supportedVersions: [MODERN],
      capabilities: { tools: {} },
      resultType: 'complete',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'test-files', version: '1.0.0' } },
    });
    const list = await post(
      server.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: envelope() } },
      modernHeaders(reader, 'tools/list'),
    );
    expect(list.json.result).toMatchObject({ resultType: 'complete', cacheScope: 'private' });
    expect(list.json.result.ttlMs).toBeGreaterThanOrEqual(0);
  });

  it('refuses a call its headers name before reading the body: a denied flood costs no parsing', async () => {
    const denied = await post(
      server.url,
      '{ this body is never read',
      modernHeaders(reader, 'tools/call', 'write_file'),
    );
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(denied.headers.get('www-authenticate')).toContain('files:write');
  });

  it('refuses a body that calls another tool than its headers name, and runs nothing', async () => {
    audit.length = 0;
    const smuggled = await post(
      server.url,
      call(3, 'write_file', { path: 'x' }),
      modernHeaders(reader, 'tools/call', 'read_file'),
    );
    expect(smuggled.status).toBe(400);
    expect(smuggled.json.error.code).toBe(-32020);
    expect(audit.filter((event) => event.type === 'access_allowed')).toEqual([]);

    const wrongMethod = await post(
      server.url,
      call(4, 'read_file', { path: 'x' }),
      modernHeaders(reader, 'tools/list'),
    );
    expect(wrongMethod.status).toBe(400);
    expect(wrongMethod.json.error.code).toBe(-32020);

    const missingName = await post(
      server.url,
      call(5, 'read_file', { path: 'x' }),
      modernHeaders(reader, 'tools/call'),
    );
    expect(missingName.status).toBe(400);
    expect(missingName.json).toMatchObject({ id: 5, error: { code: -32020 } });
  });

  it('checks the envelope: missing is -32602, an unknown version -32022 naming the supported ones', async () => {
    const missing = await post(
      server.url,
      { jsonrpc: '2.0', id: 6, method: 'tools/list', params: {} },
      modernHeaders(reader, 'tools/list'),
    );
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ id: 6, error: { code: -32602 } });

    const future = envelope({ 'io.modelcontextprotocol/protocolVersion': '2099-01-01' });
    const unsupported = await post(
      server.url,
      { jsonrpc: '2.0', id: 7, method: 'tools/list', params: { _meta: future } },
      { ...modernHeaders(reader, 'tools/list'), 'mcp-protocol-version': '2099-01-01' },
    );
    expect(unsupported.status).toBe(400);
    expect(unsupported.json.error).toMatchObject({
      code: -32022,
      data: { supported: [MODERN], requested: '2099-01-01' },
    });

    const disagreeing = await post(
      server.url,
      { jsonrpc: '2.0', id: 8, method: 'tools/list', params: { _meta: future } },
      modernHeaders(reader, 'tools/list'),
    );
    expect(disagreeing.status).toBe(400);
    expect(disagreeing.json.error.code).toBe(-32020);
  });

  it('answers removed and unknown methods with 404 -32601', async () => {
    for (const method of ['initialize', 'ping', 'logging/setLevel', 'no/such']) {
      const answer = await post(
        server.url,
        { jsonrpc: '2.0', id: 9, method, params: { _meta: envelope() } },
        modernHeaders(reader, method),
      );
      expect(answer.status, method).toBe(404);
      expect(answer.json.error.code, method).toBe(-32601);
    }
  });

  it('streams progress before the result when the request asks for it, and JSON otherwise', async () => {
    const streamed = await post(
      server.url,
      call(10, 'slow', { ms: 1 }, envelope({ progressToken: 'p1' })),
      modernHeaders(reader, 'tools/call', 'slow'),
    );
    expect(streamed.headers.get('content-type')).toBe('text/event-stream');
    const messages = sseMessages(streamed.text);
    expect(messages.map((message) => message.method ?? 'response')).toEqual([
      'notifications/progress',
      'notifications/progress',
      'response',
    ]);
    expect(messages[2].result).toMatchObject({ resultType: 'complete' });

    const plain = await post(
      server.url,
      call(11, 'slow', { ms: 1 }),
      modernHeaders(reader, 'tools/call', 'slow'),
    );
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(plain.json.result.content[0].text).toBe('slept 1');
  });

  it('serves both eras on one endpoint, stateful or not: a 2025 client keeps its session', async () => {
    for (const target of [server, stateful]) {
      const token = await as.mintToken({ audience: target.url, scopes: ['files:read'] });
      const legacy = new LegacyClient({ name: 'legacy', version: '1.0.0' });
      const transport = new LegacyTransport(new URL(target.url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      });
      await legacy.connect(transport);
      expect(legacy.getServerVersion()?.name).toBe('test-files');
      expect(Boolean(transport.sessionId)).toBe(target === stateful);
      const modern = await post(
        target.url,
        call(12, 'whoami'),
        modernHeaders(token, 'tools/call', 'whoami'),
      );
      expect(modern.json.result.content[0].text).toBe('a:dev-user:files:read');
      expect(modern.headers.get('mcp-session-id')).toBeNull();
      await legacy.close();
    }
  });
});

describe('subscriptions/listen over Streamable HTTP', () => {
  it('acknowledges only the resources the caller may read, relays their updates, and ends at shutdown', async () => {
    const as = await startAuthorizationServer();
    const server = await startHttpServer({
      portcullis: ({ origin }) =>
        createPortcullis({
          resource: `${origin}/mcp`,
          server: { name: 'notes', version: '1.0.0' },
          registry: createRegistry({
            resources: [
              defineResource({
                uri: 'notes://open',
                name: 'open',
                scopes: ['files:read'],
                read: (uri) => ({ contents: [{ uri: uri.href, text: 'open' }] }),
              }),
              defineResource({
                uri: 'notes://secret',
                name: 'secret',
                scopes: ['files:write'],
                read: (uri) => ({ contents: [{ uri: uri.href, text: 'secret' }] }),
              }),
            ],
          }),
          verifier: createJwtVerifier({ issuers: [as.issuer], audience: `${origin}/mcp` }),
          authorizationServers: [as.issuer],
          logger: { debug() {}, info() {}, warn() {}, error() {} },
        }),
    });
    try {
      const token = await as.mintToken({ audience: server.url, scopes: ['files:read'] });
      const response = await fetch(server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...modernHeaders(token, 'subscriptions/listen'),
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'sub-1',
          method: 'subscriptions/listen',
          params: {
            _meta: envelope(),
            notifications: { resourceSubscriptions: ['notes://open', 'notes://secret'] },
          },
        }),
      });
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      const nextMessage = async () => {
        for (;;) {
          const frameEnd = buffered.indexOf('\n\n');
          if (frameEnd !== -1) {
            const frame = buffered.slice(0, frameEnd);
            buffered = buffered.slice(frameEnd + 2);
            const data = frame.split('\n').find((line) => line.startsWith('data: '));
            if (data) return JSON.parse(data.slice(6));
            continue;
          }
          const { value, done } = await reader.read();
          if (done) return undefined;
          buffered += value;
        }
      };
      expect(await nextMessage()).toEqual({
        jsonrpc: '2.0',
        method: 'notifications/subscriptions/acknowledged',
        params: {
          _meta: { 'io.modelcontextprotocol/subscriptionId': 'sub-1' },
          notifications: { resourceSubscriptions: ['notes://open'] },
        },
      });
      server.portcullis.notifyResourceUpdated('notes://secret');
      server.portcullis.notifyResourceUpdated('notes://open');
      expect(await nextMessage()).toEqual({
        jsonrpc: '2.0',
        method: 'notifications/resources/updated',
        params: {
          uri: 'notes://open',
          _meta: { 'io.modelcontextprotocol/subscriptionId': 'sub-1' },
        },
      });
      const closed = server.close({ deadlineMs: 5000 });
      expect(await nextMessage()).toBeUndefined();
      await closed;
    } finally {
      await server.close();
      await as.close();
    }
  });
});
