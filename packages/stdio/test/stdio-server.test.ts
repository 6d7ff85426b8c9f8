import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/stdio-server.ts', import.meta.url));
const parentFixture = fileURLToPath(new URL('./fixtures/disappearing-parent.ts', import.meta.url));
const NODE_ARGS = ['--conditions=@portcullis/source', '--import', 'tsx'];
/** Children run from this package, where tsx (which runs the TypeScript fixtures) is installed. */
const cwd = fileURLToPath(new URL('..', import.meta.url));
const RESOURCE = 'urn:portcullis:stdio-test';

const text = (result: object) => (result as { content: Array<{ text: string }> }).content[0]!.text;

describe('the stdio server in a real child process', () => {
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

  const baseEnv = (extra: Record<string, string>) => ({
    PATH: process.env.PATH ?? '',
    ISSUER: as.issuer,
    RESOURCE,
    ...extra,
  });

  async function connect(env: Record<string, string>) {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...NODE_ARGS, fixture],
      env: baseEnv(env),
      stderr: 'pipe',
      cwd,
    });
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  /** Spawns the server directly, to see its exit code, stderr and raw stdout. */
  function spawnServer(env: Record<string, string>) {
    const child = spawn(process.execPath, [...NODE_ARGS, fixture], { env: baseEnv(env), cwd });
    children.push(child);
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk) => {
      out.stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      out.stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const lines = async (count: number) => {
      while (out.stdout.split('\n').filter(Boolean).length < count)
        await new Promise((resolve) => setTimeout(resolve, 20));
      return out.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    };
    return { child, out, exited, lines };
  }

  it('serves with a valid token: filtered list, allowed call, refused call', async () => {
    const token = await as.mintToken({
      audience: RESOURCE,
      scopes: ['files:read'],
      subject: 'ops',
    });
    const client = await connect({ MCP_ACCESS_TOKEN: token });
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
    expect(refused).toBeInstanceOf(McpError);
    expect((refused as McpError).code).toBe(-32001);
    expect((refused as McpError).data).toEqual({
      tool: 'write_file',
      required_scope: 'files:write',
      required_scopes: ['files:write'],
      granted_scopes: ['files:read'],
    });
  });

  it('stops at once with a one-line reason when the token is missing', async () => {
    const server = spawnServer({});
    expect(await server.exited).toBe(1);
    const reason = server.out.stderr.split('\n').filter((line) => line.startsWith('portcullis:'));
    expect(reason).toEqual([
      'portcullis: no access token: set MCP_ACCESS_TOKEN, or choose local trust with an explicit set of scopes',
    ]);
    expect(server.out.stdout).toBe('');
  });

  it('stops at once when the token has expired or is for another resource', async () => {
    const expired = spawnServer({
      MCP_ACCESS_TOKEN: await as.mintToken({ audience: RESOURCE, expiresIn: -60 }),
    });
    expect(await expired.exited).toBe(1);
    expect(expired.out.stderr).toContain(
      'portcullis: MCP_ACCESS_TOKEN was refused: token has expired\n',
    );
    const foreign = spawnServer({
      MCP_ACCESS_TOKEN: await as.mintToken({ audience: 'https://elsewhere/mcp' }),
    });
    expect(await foreign.exited).toBe(1);
    expect(foreign.out.stderr).toContain(
      'MCP_ACCESS_TOKEN was refused: token audience https://elsewhere/mcp is not accepted here',
    );
  });

  it('refuses calls once the token expires while running', async () => {
    // Long enough to outlive a slow start of the child, then waited out exactly.
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + 8;
    const token = await as.mintToken({
      audience: RESOURCE,
      scopes: ['files:read'],
      issuedAt,
      expiresIn: 8,
    });
    const client = await connect({ MCP_ACCESS_TOKEN: token, CLOCK_TOLERANCE: '0' });
    expect(text(await client.callTool({ name: 'read_file', arguments: { path: 'a' } }))).toBe(
      'dev-user read a',
    );
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 100));
    const refused = await client
      .callTool({ name: 'read_file', arguments: { path: 'a' } })
      .catch((error: unknown) => error);
    expect((refused as McpError).code).toBe(-32001);
    expect((refused as McpError).data).toBe('token has expired');
  });

  it('runs in an explicit local-trust mode with exactly the scopes named', async () => {
    const client = await connect({ LOCAL_TRUST_SCOPES: 'files:read' });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([
      'read_file',
      'slow',
    ]);
    expect(text(await client.callTool({ name: 'read_file', arguments: { path: 'x' } }))).toBe(
      'local-operator read x',
    );
    await expect(client.callTool({ name: 'write_file', arguments: { path: 'x' } })).rejects.toThrow(
      /insufficient_scope/,
    );
  });

  it('answers malformed lines with -32700 or -32600, keeps only protocol on stdout, and keeps serving', async () => {
    const server = spawnServer({
      MCP_ACCESS_TOKEN: await as.mintToken({ audience: RESOURCE, scopes: ['files:read'] }),
    });
    server.child.stdin.write('this is not json\n');
    server.child.stdin.write('{"jsonrpc":"2.0","id":7}\n');
    server.child.stdin.write('[{"jsonrpc":"2.0","id":8,"method":"ping"}]\n');
    server.child.stdin.write(`${'x'.repeat(5 * 1024 * 1024)}\n`);
    server.child.stdin.write('{"jsonrpc":"2.0","id":9,"method":"ping"}\n');
    const lines = await server.lines(5);
    expect(lines).toEqual([
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32700, message: 'Parse error: the line is not valid JSON' },
      },
      {
        jsonrpc: '2.0',
        id: 7,
        error: {
          code: -32600,
          message: 'Invalid Request: not a request, notification or response',
        },
      },
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'Invalid Request: batches are not accepted over stdio' },
      },
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'Invalid Request: line of more than 4194304 bytes' },
      },
      { jsonrpc: '2.0', id: 9, result: {} },
    ]);
    expect(server.out.stderr).toContain('stdio fixture starting');
  });

  it('finishes the call in flight on SIGTERM, then exits 0', async () => {
    const server = spawnServer({ MCP_ACCESS_TOKEN: await as.mintToken({ audience: RESOURCE }) });
    server.child.stdin.write('{"jsonrpc":"2.0","id":0,"method":"ping"}\n');
    await server.lines(1);
    server.child.stdin.write(
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow","arguments":{"ms":600}}}\n',
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await server.lines(2)).toEqual([
      { jsonrpc: '2.0', id: 0, result: {} },
      { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'slept 600' }] } },
    ]);
  });

  it('exits cleanly when its stdout is closed under it (EPIPE)', async () => {
    const server = spawnServer({ MCP_ACCESS_TOKEN: await as.mintToken({ audience: RESOURCE }) });
    server.child.stdin.write('{"jsonrpc":"2.0","id":0,"method":"ping"}\n');
    await server.lines(1);
    server.child.stdout.destroy();
    server.child.stdin.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    expect(await server.exited).toBe(0);
  });

  it('exits cleanly when stdin closes, and when its parent disappears', async () => {
    const server = spawnServer({ MCP_ACCESS_TOKEN: await as.mintToken({ audience: RESOURCE }) });
    server.child.stdin.end();
    expect(await server.exited).toBe(0);

    const parent = spawn(process.execPath, [...NODE_ARGS, parentFixture, fixture], {
      env: baseEnv({ MCP_ACCESS_TOKEN: await as.mintToken({ audience: RESOURCE }) }),
      cwd,
    });
    children.push(parent);
    const pid = await new Promise<number>((resolve) =>
      parent.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim()))),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(() => process.kill(pid, 0)).not.toThrow();
    parent.kill('SIGKILL');
    const gone = async () => {
      for (let i = 0; i < 300; i += 1) {
        try {
          process.kill(pid, 0);
        } catch {
          return true;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    };
    expect(await gone()).toBe(true);
  });
});
