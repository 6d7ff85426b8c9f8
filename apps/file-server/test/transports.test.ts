import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { WebSocketClientTransport } from '@portcullis/websocket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, runCli, stdioServerParameters } from './cli-process.js';

const text = (result: object) => (result as { content: Array<{ text: string }> }).content[0]!.text;
const structured = (result: object) =>
  (result as { structuredContent: Record<string, unknown> }).structuredContent;

describe('the file server end to end, on all three transports', () => {
  let root: string;
  let server: CliProcess;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-server-e2e-'));
    server = await runCli(['--port', '0', '--root', root]);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await rm(root, { recursive: true, force: true });
  });

  const transports: Record<string, (token: string) => Transport> = {
    'Streamable HTTP': (token) =>
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    WebSocket: (token) => new WebSocketClientTransport(server.websocketUrl, { token }),
    stdio: (token) => new StdioClientTransport(stdioServerParameters(server, root, token)),
  };

  for (const [name, transportFor] of Object.entries(transports)) {
    describe(name, () => {
      it('with the printed read-write token: lists all three tools, writes, reads and lists', async () => {
        const client = new Client({ name: `e2e-${name}`, version: '1.0.0' });
        await client.connect(transportFor(server.tokens.readWrite));
        try {
          expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
            'list_files',
            'read_file',
            'write_file',
          ]);
          const file = `${name.replace(/\W/g, '-')}/hello.txt`;
          const written = await client.callTool({
            name: 'write_file',
            arguments: { path: file, content: `hello over ${name}`, createFolders: true },
          });
          expect(structured(written)).toEqual({ path: file, bytes: `hello over ${name}`.length });
          const read = await client.callTool({ name: 'read_file', arguments: { path: file } });
          expect(text(read)).toBe(`hello over ${name}`);
          expect(structured(read)).toMatchObject({
            path: file,
            size: `hello over ${name}`.length,
            eof: true,
            encoding: 'utf8',
          });
          const listed = await client.callTool({
            name: 'list_files',
            arguments: { path: name.replace(/\W/g, '-') },
          });
          expect(
            (structured(listed).entries as Array<{ name: string; type: string }>).map((entry) => [
              entry.name,
              entry.type,
            ]),
          ).toEqual([['hello.txt', 'file']]);
        } finally {
          await client.close();
        }
      });

      it('with the printed read-only token: lists only read_file and list_files, and is refused write_file', async () => {
        const client = new Client({ name: `e2e-${name}-ro`, version: '1.0.0' });
        await client.connect(transportFor(server.tokens.readOnly));
        try {
          expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
            'list_files',
            'read_file',
          ]);
          expect(
            (await client.callTool({ name: 'list_files', arguments: {} })).isError,
          ).toBeFalsy();
          const refused = await client
            .callTool({ name: 'write_file', arguments: { path: 'nope.txt', content: 'x' } })
            .catch((error: Error) => error);
          expect(refused).toBeInstanceOf(Error);
          expect((refused as Error).message).toContain('insufficient_scope');
        } finally {
          await client.close();
        }
      });
    });
  }

  it('serves the plain JSON client of the seed example (no session id, 2024-11-05, Accept */*)', async () => {
    const post = async (body: unknown) => {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.tokens.readOnly}`,
          'content-type': 'application/json',
          accept: '*/*',
        },
        body: JSON.stringify(body),
      });
      const raw = await response.text();
      return { status: response.status, json: raw ? JSON.parse(raw) : undefined };
    };
    const init = await post({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2024-11-05',
        capabilities: {},
        clientInfo: { name: 'python-client', version: '1.0.0' },
      },
    });
    expect(init.json.result.protocolVersion).toBe('2024-11-05');
    expect((await post({ jsonrpc: '2.0', method: 'notifications/initialized' })).status).toBe(202);
    const list = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(list.json.result.tools.map((tool: { name: string }) => tool.name).sort()).toEqual([
      'list_files',
      'read_file',
    ]);
    const denied = await post({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'write_file', arguments: { path: 'a.txt', content: 'x' } },
    });
    expect(denied.status).toBe(403);
    expect(denied.json.error).toEqual({
      code: -32001,
      message: 'insufficient_scope',
      data: {
        tool: 'write_file',
        required_scope: 'files:write',
        required_scopes: ['files:write'],
        granted_scopes: ['files:read', 'files:list'],
      },
    });
  });

  it('logs one structured line per request with the caller and the decision, never a token or file contents', async () => {
    const lines = server.output.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests.length).toBeGreaterThan(5);
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        path: '/mcp',
        status: 403,
        decision: 'denied',
        subject: 'file-server-dev-client',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'access_denied',
        audit: expect.objectContaining({ target: 'write_file', missingScopes: ['files:write'] }),
      }),
    );
    expect(server.output.stderr).not.toContain(server.tokens.readWrite);
    expect(server.output.stderr).not.toContain(server.tokens.readOnly);
    expect(server.output.stderr).not.toContain('hello over');
  });
});
