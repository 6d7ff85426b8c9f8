import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, ProtocolError } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/stdio-server.ts', import.meta.url));
const NODE_ARGS = ['--conditions=@portcullis/source', '--import', 'tsx'];
/** Children run from this package, where tsx (which runs the TypeScript fixtures) is installed. */
const cwd = fileURLToPath(new URL('..', import.meta.url));
const RESOURCE = 'urn:portcullis:stdio-test';
const MODERN = '2026-07-28';

const envelope = (version = MODERN) => ({
  'io.modelcontextprotocol/protocolVersion': version,
  'io.modelcontextprotocol/clientCapabilities': {},
});
const text = (result: object) => (result as { content: Array<{ text: string }> }).content[0]!.text;

describe('both protocol eras on stdio, chosen by the first request', () => {
  let as: AuthorizationServer;
  const clients: Client[] = [];
  const children: ChildProcessWithoutNullStreams[] = [];

  beforeAll(async () => {
    as = await startAuthorizationServer();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  afterAll(() => as.close());

  const env = (token: string) => ({
    PATH: process.env.PATH ?? '',
    ISSUER: as.issuer,
    RESOURCE,
    MCP_ACCESS_TOKEN: token,
  });

  async function connect(token: string, mode: 'auto' | { pin: string }) {
    const client = new Client(
      { name: 'stdio-modern', version: '1.0.0' },
      { versionNegotiation: { mode } },
    );
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [...NODE_ARGS, fixture],
        env: env(token),
        stderr: 'pipe',
        cwd,
      }),
    );
    clients.push(client);
    return client;
  }

  /** Spawns the server and speaks raw JSON-RPC lines to it. */
  function spawnServer(token: string) {
    const child = spawn(process.execPath, [...NODE_ARGS, fixture], { env: env(token), cwd });
    children.push(child);
    const answers: Array<Record<string, unknown>> = [];
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) answers.push(JSON.parse(line));
    });
    const send = (message: Record<string, unknown>) =>
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    const answer = async (id: unknown) => {
      for (;;) {
        const found = answers.find((candidate) => candidate.id === id);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    return { answers, send, answer };
  }

  it('serves the official v2 client pinned to 2026-07-28 with the token from MCP_ACCESS_TOKEN', async () => {
    const client = await connect(
      await as.mintToken({ audience: RESOURCE, scopes: ['files:read'], subject: 'ops' }),
      { pin: MODERN },
    );
    expect(client.getDiscoverResult()?.supportedVersions).toEqual([MODERN]);
    expect(client.getServerVersion()).toMatchObject({ name: 'stdio-files' });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([
      'read_file',
      'slow',
    ]);
    expect(text(await client.callTool({ name: 'read_file', arguments: { path: 'a' } }))).toBe(
      'ops read a',
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

  it("answers the v2 client's server/discover probe ('auto'), so it stays modern", async () => {
    const client = await connect(
      await as.mintToken({ audience: RESOURCE, scopes: ['files:read'] }),
      'auto',
    );
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    expect(text(await client.callTool({ name: 'read_file', arguments: { path: 'p' } }))).toBe(
      'dev-user read p',
    );
  });

  it('answers server/discover, then holds the process to 2026-07-28: -32022, -32601 for initialize, cancellation', async () => {
    const server = spawnServer(await as.mintToken({ audience: RESOURCE, scopes: ['files:read'] }));
    server.send({
      id: 'old',
      method: 'server/discover',
      params: { _meta: envelope('2025-06-18') },
    });
    expect(await server.answer('old')).toMatchObject({
      error: { code: -32022, data: { supported: [MODERN], requested: '2025-06-18' } },
    });
    server.send({ id: 'd', method: 'server/discover', params: { _meta: envelope() } });
    expect(await server.answer('d')).toMatchObject({
      result: {
        resultType: 'complete',
        supportedVersions: [MODERN],
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'stdio-files' } },
      },
    });
    server.send({
      id: 'i',
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'c', version: '1' },
      },
    });
    expect(await server.answer('i')).toMatchObject({ error: { code: -32601 } });
    server.send({ id: 'u', method: 'tools/list', params: { _meta: envelope('1900-01-01') } });
    expect(await server.answer('u')).toMatchObject({
      error: { code: -32022, data: { supported: [MODERN], requested: '1900-01-01' } },
    });

    server.send({
      id: 'slow',
      method: 'tools/call',
      params: { _meta: envelope(), name: 'slow', arguments: { ms: 400 } },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.send({ method: 'notifications/cancelled', params: { requestId: 'slow', reason: 'no' } });
    server.send({ id: 'after', method: 'tools/list', params: { _meta: envelope() } });
    expect(await server.answer('after')).toMatchObject({ result: { resultType: 'complete' } });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(server.answers.some((answer) => answer.id === 'slow')).toBe(false);
  });

  it('keeps a process that opened with initialize on 2025 (server/discover is not a method there)', async () => {
    const server = spawnServer(await as.mintToken({ audience: RESOURCE, scopes: ['files:read'] }));
    server.send({
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'c', version: '1' },
      },
    });
    expect(await server.answer(1)).toMatchObject({ result: { protocolVersion: '2025-06-18' } });
    server.send({ method: 'notifications/initialized' });
    server.send({ id: 2, method: 'server/discover', params: { _meta: envelope() } });
    expect(await server.answer(2)).toMatchObject({ error: { code: -32601 } });
    server.send({
      id: 3,
      method: 'tools/call',
      params: { name: 'read_file', arguments: { path: 'l' } },
    });
    expect(await server.answer(3)).toMatchObject({
      result: { content: [{ type: 'text', text: 'dev-user read l' }] },
    });
  });
});
