import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { InsufficientScopeError, insufficientScopeOf } from '@portcullis/core/client';
import { WebSocketClientTransport } from '@portcullis/websocket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, runCli, stdioServerParameters } from './cli-process.js';

const MODERN = '2026-07-28';
const text = (result: object) => (result as { content: Array<{ text: string }> }).content[0]!.text;

describe('the file server to the official v2 client pinned to 2026-07-28, on all three transports', () => {
  let root: string;
  let server: CliProcess;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-server-modern-'));
    server = await runCli(['--port', '0', '--root', root]);
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
  const pinned = () =>
    new Client(
      { name: 'modern', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: MODERN } } },
    );

  for (const [name, transportFor] of Object.entries(transports)) {
    it(`${name}: discovers, writes and reads with the read-write token`, async () => {
      const client = pinned();
      await client.connect(transportFor(server.tokens.readWrite));
      try {
        expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
        expect(client.getServerVersion()?.name).toBe('portcullis-file-server');
        const file = `modern-${name.replace(/\W/g, '-')}.txt`;
        await client.callTool({ name: 'write_file', arguments: { path: file, content: name } });
        expect(text(await client.callTool({ name: 'read_file', arguments: { path: file } }))).toBe(
          name,
        );
      } finally {
        await client.close();
      }
    });

    it(`${name}: the read-only token sees only what it may use and is refused write_file`, async () => {
      const client = pinned();
      await client.connect(transportFor(server.tokens.readOnly));
      try {
        expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
          'list_files',
          'read_file',
        ]);
        const refused = await client
          .callTool({ name: 'write_file', arguments: { path: 'nope.txt', content: 'x' } })
          .catch((error: Error) => error);
        expect(refused).toBeInstanceOf(Error);
        expect((refused as Error).message).toMatch(/insufficient.scope/i);
        // One structured refusal, whichever transport carried it.
        const refusal = insufficientScopeOf(refused);
        expect(refusal).toBeInstanceOf(InsufficientScopeError);
        expect(refusal).toMatchObject({ kind: 'tool', target: 'write_file' });
        expect(refusal!.requiredScopes).toEqual(['files:write']);
        expect(refusal!.scopes).toEqual(expect.arrayContaining(['files:write', 'files:read']));
        // What the read-only token had, on every transport (over HTTP read from the challenge).
        expect([...refusal!.grantedScopes].sort()).toEqual(['files:list', 'files:read']);
        // The scope to ask for, as the `scope=` string.
        expect(refusal!.scope.split(' ').sort()).toEqual([
          'files:list',
          'files:read',
          'files:write',
        ]);
        if (name === 'Streamable HTTP') {
          // A 403 step-up challenge naming the scopes to ask for.
          expect((refused as Error).message).toContain('files:write');
        } else {
          // The in-band refusal, Casdoor-shaped.
          expect(refused).toMatchObject({
            code: -32001,
            data: { tool: 'write_file', required_scopes: ['files:write'] },
          });
        }
      } finally {
        await client.close();
      }
    });
  }
});
