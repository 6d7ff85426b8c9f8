import {
  createJwtVerifier,
  createMemoryReplayCache,
  createPortcullis,
  createRegistry,
  defineTool,
} from '@portcullis/core';
import { type RunningHttpServer, startHttpServer } from '@portcullis/streamable-http';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, startAttackTarget } from './attack-target.js';
import { type HttpAnswer, mcpHeaders, post, rpcError } from './json-rpc-http.js';
import { listenRequest, MODERN_ENVELOPE, openListenStream } from './listen-stream.js';
import { call, closeCode, openSocket } from './websocket-probe.js';

const LEGACY = '2025-11-25';
const subscribe = (id: number, uri: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'resources/subscribe',
  params: { uri },
});
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'c', version: '1' } },
};

/** The JSON-RPC message of an answer, JSON or the first event of an SSE stream (a session's). */
const messageOf = (answer: HttpAnswer) =>
  (answer.body ?? JSON.parse(/^data: (.+)$/m.exec(answer.text)?.[1] ?? 'null')) as {
    result?: unknown;
    error?: { code: number; message: string; data?: unknown };
  };

describe('caller-created state (B-…)', () => {
  let target: AttackTarget;
  let sessions: AttackTarget;

  /** Opens a 2025 session on the `--sessions` target: the headers of its requests. */
  const openSession = async (token: string) => {
    const answer = await post(sessions.server.url, INITIALIZE, mcpHeaders(token));
    const headers = mcpHeaders(token, {
      'mcp-session-id': answer.headers.get('mcp-session-id')!,
      'mcp-protocol-version': LEGACY,
    });
    await post(
      sessions.server.url,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      headers,
    );
    return headers;
  };

  beforeAll(async () => {
    [target, sessions] = await Promise.all([
      startAttackTarget(['--rate-limit', 'off']),
      startAttackTarget(['--rate-limit', 'off', '--sessions']),
    ]);
  });
  afterAll(async () => {
    await Promise.all([target?.close(), sessions?.close()]);
  });

  it('B-01 stateless resources/subscribe to a URI that names no resource, scope-less token: nothing is kept', async () => {
    await target.unharmed(async () => {
      const token = await target.mint({ scopes: [] });
      const initialized = await post(target.server.url, INITIALIZE, mcpHeaders(token));
      expect(
        (initialized.body as { result: { capabilities: unknown } }).result.capabilities,
      ).toMatchObject({ resources: { subscribe: false } });
      for (const [uri, bearer] of [
        ['nothing://here', token],
        ['file:///notes/canary.txt', target.tokens.readOnly],
      ] as const) {
        const answer = await post(
          target.server.url,
          subscribe(1, uri),
          mcpHeaders(bearer, { 'mcp-protocol-version': LEGACY }),
        );
        expect({ status: answer.status, code: rpcError(answer.body).code }).toEqual({
          status: 200,
          code: -32601,
        });
      }
    });
  });

  it('B-02 resources/subscribe in a session to an unknown resource, and to a file without its scope', async () => {
    await sessions.unharmed(async () => {
      const token = await sessions.mint({ scopes: ['files:list'] });
      const headers = await openSession(token);
      const unknown = await post(sessions.server.url, subscribe(1, 'nothing://here'), headers);
      expect(messageOf(unknown).error).toEqual({
        code: -32602,
        message: 'Resource nothing://here not found',
        data: { uri: 'nothing://here' },
      });
      const secret = await post(
        sessions.server.url,
        subscribe(2, 'file:///notes/canary.txt'),
        headers,
      );
      expect({ status: secret.status, message: messageOf(secret).error?.message }).toEqual({
        status: 403,
        message: 'insufficient_scope',
      });
    });
  });

  it('B-03 one identity subscribes to ever more resources over two sessions: bounded per identity', async () => {
    await sessions.unharmed(
      async () => {
        const token = await sessions.mint({ subject: 'hoarder', scopes: ['files:read'] });
        const [one, two] = [await openSession(token), await openSession(token)];
        const codes: number[] = [];
        const attempt = async (i: number) => {
          const answer = await post(
            sessions.server.url,
            subscribe(i, `file:///n${i}.txt`),
            i % 2 === 0 ? one : two,
          );
          codes[i] = messageOf(answer).error?.code ?? 0;
        };
        for (let from = 0; from < 256; from += 32)
          await Promise.all(Array.from({ length: 32 }, (_, i) => attempt(from + i)));
        await attempt(256);
        expect(codes.slice(0, 256).every((code) => code === 0)).toBe(true);
        expect(codes[256]).toBe(-32000);
        const other = await openSession(
          await sessions.mint({ subject: 'other', scopes: ['files:read'] }),
        );
        const answer = await post(sessions.server.url, subscribe(1, 'file:///n1.txt'), other);
        expect(messageOf(answer)).toMatchObject({ result: {} });
      },
      { tools: 'any' },
    );
  });

  it('B-04 subscriptions/listen naming more URIs than the cap, and one audit record per request', async () => {
    const token = await target.mint({ scopes: [] });
    const written = await target.unharmed(async () => {
      const tooMany = await openListenStream(
        target.server.url,
        token,
        Array.from({ length: 1001 }, (_, i) => `file:///n${i}.txt`),
      );
      expect((await tooMany.next())?.error).toEqual({
        code: -32602,
        message:
          'subscriptions/listen names 1001 resource URIs; at most 1000 are accepted per request',
      });
      const allowed = await openListenStream(
        target.server.url,
        token,
        Array.from({ length: 1000 }, (_, i) => `file:///n${i}.txt`),
      );
      expect((await allowed.next())?.method).toBe('notifications/subscriptions/acknowledged');
      allowed.close();
    });
    const audit = written.filter((line) => line.audit !== undefined);
    expect(audit.map((line) => line.audit)).toEqual([
      expect.objectContaining({
        type: 'listen_opened',
        requested: 1000,
        acknowledged: 0,
        denied: 1000,
        unknown: 0,
      }),
    ]);
  });

  it('B-05 one scope-less token holds open listen streams: bounded per identity', async () => {
    await target.unharmed(async () => {
      const token = await target.mint({ subject: 'holder', scopes: [] });
      const streams = await Promise.all(
        Array.from({ length: 16 }, (_, i) => openListenStream(target.server.url, token, [], i)),
      );
      for (const stream of streams)
        expect((await stream.next())?.method).toBe('notifications/subscriptions/acknowledged');
      const refused = await openListenStream(target.server.url, token, [], 'one-more');
      expect(await refused.next()).toMatchObject({
        error: {
          code: -32000,
          message:
            'too many open subscriptions/listen streams: at most 16 per identity; close one first',
        },
      });
      const other = await openListenStream(
        target.server.url,
        await target.mint({ scopes: [] }),
        [],
      );
      expect((await other.next())?.method).toBe('notifications/subscriptions/acknowledged');
      other.close();
      for (const stream of streams) stream.close();
    });
  });

  it('B-06 an HTTP listen stream outlives its token: ended with -32001 at expiry', async () => {
    await target.unharmed(async () => {
      const token = await target.mint({ expiresIn: 2 });
      const expiresAt = Date.now() + 2000;
      const stream = await openListenStream(target.server.url, token, ['file:///notes/canary.txt']);
      expect((await stream.next())?.method).toBe('notifications/subscriptions/acknowledged');
      expect(await stream.next()).toMatchObject({
        error: { code: -32001, message: 'Unauthorized', data: 'token has expired' },
      });
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 1000);
      expect(await stream.next()).toBeUndefined();
    });
  });

  it('B-07 a WebSocket listen stream outlives its token: ended with -32001 at expiry, before the socket closes', async () => {
    await target.unharmed(async () => {
      const socket = await openSocket(
        target.server.websocketUrl,
        await target.mint({ expiresIn: 2 }),
      );
      const answer = await call(socket, listenRequest('listen', ['file:///notes/canary.txt']));
      expect(answer.error).toEqual({
        code: -32001,
        message: 'Unauthorized',
        data: 'token has expired',
      });
      expect(socket.readyState).toBe(socket.OPEN);
      socket.close();
      await closeCode(socket);
    });
  });

  it('B-08 overlong resource URIs: a clear -32602, or 413 for a body no read needs', async () => {
    await target.unharmed(async () => {
      const read = (uri: string) =>
        post(
          target.server.url,
          { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } },
          mcpHeaders(target.tokens.readWrite, { 'mcp-protocol-version': LEGACY }),
        );
      // Within the body limit of a read (64 KiB), past the URI limit: refused in band.
      const long = `file:///${'a'.repeat(20_000)}`;
      const inBand = await read(long);
      expect({ status: inBand.status, error: rpcError(inBand.body) }).toEqual({
        status: 200,
        error: {
          code: -32602,
          message: `the resource URI is ${long.length} characters long; at most 8192 are accepted`,
        },
      });
      // A million characters: the body is larger than a read may send, refused before parsing.
      const huge = await read(`file:///${'a'.repeat(1_000_000)}`);
      expect({ status: huge.status, error: rpcError(huge.body) }).toEqual({
        status: 413,
        error: { code: -32600, message: 'Payload Too Large: the body is larger than 65536 bytes' },
      });
    });
  });

  it('B-09 a write to ./secret.txt is announced to listeners of file:///secret.txt', async () => {
    const stream = await openListenStream(target.server.url, target.tokens.readWrite, [
      'file:///secret.txt',
    ]);
    expect((await stream.next())?.params?.notifications).toEqual({
      resourceSubscriptions: ['file:///secret.txt'],
    });
    const written = await post(
      target.server.url,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'write_file', arguments: { path: './secret.txt', content: 'x' } },
      },
      mcpHeaders(target.tokens.readWrite, { 'mcp-protocol-version': LEGACY }),
    );
    expect(written.status).toBe(200);
    expect(await stream.next()).toMatchObject({
      method: 'notifications/resources/updated',
      params: { uri: 'file:///secret.txt' },
    });
    stream.close();
  });

  it('B-10 a response-shaped body posted with the 2026-07-28 header', async () => {
    await target.unharmed(async () => {
      const answer = await post(
        target.server.url,
        { jsonrpc: '2.0', id: 3, result: { content: [] } },
        mcpHeaders(target.tokens.readWrite, {
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
        }),
      );
      expect({ status: answer.status, error: rpcError(answer.body) }).toEqual({
        status: 400,
        error: {
          code: -32600,
          message:
            'Invalid Request: the body is a JSON-RPC response, not a request (2026-07-28 servers send no requests to answer)',
        },
      });
    });
  });
});

/** The audience every instance behind one public URL accepts. */
const PUBLIC_URL = 'https://mcp.example.test/mcp';

describe('multi round-trip state and Mcp-Param headers (B-…)', () => {
  let as: AuthorizationServer;
  let instances: RunningHttpServer[];
  let token: string;
  const ran: string[] = [];

  beforeAll(async () => {
    as = await startAuthorizationServer();
    // Two instances behind one public URL: one sealing key, one replay cache (the seam Redis fills).
    const requestStateKey = 'a shared key of at least thirty-two bytes';
    const requestStateReplayCache = createMemoryReplayCache();
    const registry = createRegistry({
      tools: [
        defineTool({
          name: 'page',
          description: 'Shows one page; the page number is mirrored in Mcp-Param-Page.',
          scopes: [],
          inputSchema: {
            type: 'object',
            properties: { page: { type: 'integer', 'x-mcp-header': 'Page' } },
          },
          handler: (args) => ({ content: [{ type: 'text', text: `page ${String(args.page)}` }] }),
        }),
        defineTool({
          name: 'transfer',
          description: 'Asks to confirm (sealed state), then transfers.',
          scopes: [],
          handler: (_args, context) => {
            if (context.requestState === undefined)
              return context.inputRequired(undefined, { confirmed: true });
            ran.push('transfer');
            return { content: [{ type: 'text', text: 'transferred' }] };
          },
        }),
        defineTool({
          name: 'delete_all',
          description: 'Would run with any state it is handed.',
          scopes: [],
          handler: () => {
            ran.push('delete_all');
            return { content: [{ type: 'text', text: 'deleted' }] };
          },
        }),
      ],
    });
    instances = await Promise.all(
      [0, 1].map(() =>
        startHttpServer({
          portcullis: ({ origin }) =>
            createPortcullis({
              resource: `${origin}/mcp`,
              server: { name: 'bank', version: '1' },
              registry,
              verifier: createJwtVerifier({
                issuers: [as.issuer],
                audience: [`${origin}/mcp`, PUBLIC_URL],
              }),
              authorizationServers: [as.issuer],
              requestStateKey,
              requestStateReplayCache,
              logger: { debug() {}, info() {}, warn() {}, error() {} },
            }),
        }),
      ),
    );
    token = await as.mintToken({ audience: PUBLIC_URL, scopes: [] });
  });
  afterAll(async () => {
    await Promise.all(instances?.map((instance) => instance.close()) ?? []);
    await as?.close();
  });

  /** A 2026-07-28 tools/call of `name` on `instance`, with `extra` params and headers. */
  const callTool = (
    instance: RunningHttpServer,
    name: string,
    params: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) =>
    post(
      instance.url,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name, arguments: {}, ...params, _meta: MODERN_ENVELOPE },
      },
      mcpHeaders(token, {
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': name,
        ...headers,
      }),
    );

  it('B-11 Mcp-Param integers in a form a gateway reads otherwise (0x0A, 1e1, +10, 010, 10.0)', async () => {
    for (const header of ['0x0A', '1e1', '+10', '010', '10.0', '=?base64?IDEw?='])
      expect(
        rpcError(
          (
            await callTool(
              instances[0]!,
              'page',
              { arguments: { page: 10 } },
              { 'mcp-param-page': header },
            )
          ).body,
        ),
        header,
      ).toEqual({
        code: -32020,
        message: 'the mcp-param-page header does not match the arguments',
      });
    for (const page of [10, -3, 0]) {
      const answer = await callTool(
        instances[0]!,
        'page',
        { arguments: { page } },
        {
          'mcp-param-page': String(page),
        },
      );
      expect(answer.body).toMatchObject({ result: { content: [{ text: `page ${page}` }] } });
    }
  });

  it('B-12 requestState sealed for one tool replayed on another, and used twice across instances', async () => {
    const first = await callTool(instances[0]!, 'transfer');
    const state = (first.body as { result: { requestState: string } }).result.requestState;
    expect(typeof state).toBe('string');

    const elsewhere = await callTool(instances[0]!, 'delete_all', { requestState: state });
    expect(rpcError(elsewhere.body)).toMatchObject({
      code: -32602,
      message: 'Invalid or expired requestState',
    });
    const once = await callTool(instances[1]!, 'transfer', { requestState: state });
    expect(once.body).toMatchObject({ result: { content: [{ text: 'transferred' }] } });
    for (const instance of instances) {
      const again = await callTool(instance, 'transfer', { requestState: state });
      expect(rpcError(again.body)).toMatchObject({
        code: -32602,
        message: 'Invalid or expired requestState',
      });
    }
    expect(ran).toEqual(['transfer']);
  });
});
