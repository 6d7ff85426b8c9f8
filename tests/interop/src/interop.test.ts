import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  formatBanner,
  parseOptions,
  type RunningFileServer,
  startFileServer,
} from '@portcullis/file-server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onNode22, THIRD_PARTY } from './third-party.js';

function run(args: string[], command = 'npx') {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('third-party MCP clients against the file server, with real tokens', () => {
  let root: string;
  let server: RunningFileServer;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'interop-'));
    await writeFile(join(root, 'notes.txt'), 'interop works');
    server = await startFileServer(
      parseOptions(['--port', '0', '--root', root], {}),
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  const inspector = (token: string, ...method: string[]) =>
    run([
      ...onNode22(THIRD_PARTY.inspector, 'mcp-inspector'),
      '--cli',
      server.url,
      '--transport',
      'http',
      '--header',
      `Authorization: Bearer ${token}`,
      ...method,
    ]);

  it(`${THIRD_PARTY.inspector} (CLI mode) lists and calls the tools with the printed token`, async () => {
    const { tokens } = server.development!;
    const listed = await inspector(tokens.readWrite, '--method', 'tools/list');
    expect(listed.code, listed.stderr.slice(-2000)).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as { tools: Array<{ name: string }> }).tools
        .map((tool) => tool.name)
        .sort(),
    ).toEqual(['list_files', 'read_file', 'write_file']);

    const called = await inspector(
      tokens.readOnly,
      '--method',
      'tools/call',
      '--tool-name',
      'read_file',
      '--tool-arg',
      'path=notes.txt',
    );
    expect(called.code, called.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(called.stdout).content).toEqual([{ type: 'text', text: 'interop works' }]);

    const refused = await inspector(
      tokens.readOnly,
      '--method',
      'tools/call',
      '--tool-name',
      'write_file',
      '--tool-arg',
      'path=x.txt',
      '--tool-arg',
      'content=x',
    );
    expect(refused.code).not.toBe(0);
    // The read-only token does not even list write_file, so the Inspector refuses on its side.
    expect(`${refused.stdout}${refused.stderr}`).toContain(
      "Tool 'write_file' not found on server.",
    );
  });

  it(`${THIRD_PARTY.mcpRemote} bridges a stdio client to the server over HTTP with the token header`, async () => {
    const transport = new StdioClientTransport({
      command: 'npx',
      args: [
        ...onNode22(THIRD_PARTY.mcpRemote, 'mcp-remote'),
        server.url,
        '--header',
        `Authorization:Bearer ${server.development!.tokens.readWrite}`,
        '--transport',
        'http-only',
      ],
      env: { ...(process.env as Record<string, string>) },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'through-mcp-remote', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
        'list_files',
        'read_file',
        'write_file',
      ]);
      const read = await client.callTool({ name: 'read_file', arguments: { path: 'notes.txt' } });
      expect(read.content).toEqual([{ type: 'text', text: 'interop works' }]);
    } finally {
      await client.close();
    }
  });

  describe('the commands the banner prints, run as printed', () => {
    /** The line after the banner's `label` line: the command, indented by two spaces. */
    const commandAfter = (label: string) => {
      const lines = formatBanner(server).split('\n');
      const at = lines.findIndex((line) => line.startsWith(label));
      expect(at, `banner line ${label}`).toBeGreaterThanOrEqual(0);
      return lines[at + 1]!.trim();
    };

    it('the MCP Inspector command lists the tools', async () => {
      const command = commandAfter('MCP Inspector');
      expect(command).toContain(THIRD_PARTY.inspector);
      const listed = await run(['-c', command], 'sh');
      expect(listed.code, listed.stderr.slice(-2000)).toBe(0);
      expect(
        (JSON.parse(listed.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name),
      ).toContain('write_file');
    });

    it('the mcp-remote command and the Claude Desktop configuration bridge a stdio client', async () => {
      const banner = formatBanner(server);
      const json = banner.slice(banner.indexOf('{', banner.indexOf('Claude Desktop')));
      const desktop = JSON.parse(json) as {
        mcpServers: Record<string, { command: string; args: string[] }>;
      };
      const entry = desktop.mcpServers['portcullis-files']!;
      for (const parameters of [
        { command: 'sh', args: ['-c', commandAfter('mcp-remote')] },
        { command: entry.command, args: entry.args },
      ]) {
        const transport = new StdioClientTransport({
          ...parameters,
          env: { ...(process.env as Record<string, string>) },
          stderr: 'pipe',
        });
        const client = new Client({ name: 'as-printed', version: '1.0.0' });
        await client.connect(transport);
        try {
          expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('read_file');
        } finally {
          await client.close();
        }
      }
    });
  });
});
