import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOptions } from '../src/options.js';
import { type RunningFileServer, startFileServer } from '../src/start-file-server.js';

type Call = { tool: 'read_file' | 'write_file' | 'list_files'; path: string };

describe('hostile paths are refused with a clear tool error, and nothing outside the root is touched', () => {
  let base: string;
  let root: string;
  let outside: string;
  let server: RunningFileServer;
  let client: Client;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'file-server-paths-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(join(root, 'docs'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'top secret');
    await writeFile(join(root, 'docs', 'ok.txt'), 'fine');
    await symlink(join(outside, 'secret.txt'), join(root, 'link-to-secret'));
    await symlink(outside, join(root, 'link-to-outside'));
    await symlink('../../outside', join(root, 'docs', 'relative-escape'));
    await symlink(join(root, 'docs', 'ok.txt'), join(root, 'inside-link'));
    await symlink('/etc', join(root, 'etc'));
    server = await startFileServer(
      parseOptions(['--port', '0', '--root', root], {}),
      pino({ level: 'silent' }),
    );
    client = new Client({ name: 'paths', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: {
          headers: { authorization: `Bearer ${server.development!.tokens.readWrite}` },
        },
      }),
    );
  });
  afterAll(async () => {
    await client.close();
    await server.close();
    await rm(base, { recursive: true, force: true });
  });

  const call = ({ tool, path }: Call) =>
    client.callTool({
      name: tool,
      arguments: tool === 'write_file' ? { path, content: 'pwned', createFolders: true } : { path },
    });

  const hostile: Array<[Call, RegExp]> = [
    [{ tool: 'read_file', path: '../outside/secret.txt' }, /outside the served folder/],
    [{ tool: 'read_file', path: '../../../../../../etc/passwd' }, /outside the served folder/],
    [{ tool: 'read_file', path: 'docs/../../outside/secret.txt' }, /outside the served folder/],
    [{ tool: 'read_file', path: '/etc/passwd' }, /absolute paths are not accepted/],
    [{ tool: 'read_file', path: `${'/'}${'etc'}` }, /absolute paths are not accepted/],
    [{ tool: 'read_file', path: 'C:/Windows/win.ini' }, /absolute paths are not accepted/],
    [{ tool: 'read_file', path: '..\\outside\\secret.txt' }, /backslash/],
    [{ tool: 'read_file', path: 'docs/ok.txt\u0000.png' }, /NUL byte/],
    [{ tool: 'read_file', path: '' }, /the path is empty/],
    [{ tool: 'read_file', path: 'link-to-secret' }, /leads outside the served folder/],
    [{ tool: 'read_file', path: 'link-to-outside/secret.txt' }, /leads outside the served folder/],
    [
      { tool: 'read_file', path: 'docs/relative-escape/secret.txt' },
      /leads outside the served folder/,
    ],
    [{ tool: 'read_file', path: 'etc/passwd' }, /leads outside the served folder/],
    [{ tool: 'list_files', path: '..' }, /outside the served folder/],
    [{ tool: 'list_files', path: 'link-to-outside' }, /leads outside the served folder/],
    [{ tool: 'list_files', path: 'etc' }, /leads outside the served folder/],
    [{ tool: 'write_file', path: '../outside/new.txt' }, /outside the served folder/],
    [{ tool: 'write_file', path: '/tmp/evil.txt' }, /absolute paths are not accepted/],
    [{ tool: 'write_file', path: 'link-to-outside/new.txt' }, /leads outside the served folder/],
    [
      { tool: 'write_file', path: 'link-to-outside/deeper/new.txt' },
      /leads outside the served folder/,
    ],
    [
      { tool: 'write_file', path: 'docs/relative-escape/new.txt' },
      /leads outside the served folder/,
    ],
    [{ tool: 'write_file', path: 'link-to-secret' }, /is a symbolic link/],
    [{ tool: 'write_file', path: 'docs' }, /is a folder/],
    [{ tool: 'write_file', path: 'a\u0000b' }, /NUL byte/],
    [{ tool: 'read_file', path: 'docs' }, /is a folder; use list_files/],
    [{ tool: 'read_file', path: 'missing.txt' }, /does not exist/],
  ];

  it.each(hostile)('%j is refused', async (input, message) => {
    const result = await call(input);
    expect(result.isError).toBe(true);
    expect((result.content as Array<{ text: string }>)[0]!.text).toMatch(message);
  });

  it('left everything outside the root as it was', async () => {
    expect(await readdir(outside)).toEqual(['secret.txt']);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it('still follows links that stay inside, and lists links without following them', async () => {
    expect((await call({ tool: 'read_file', path: 'inside-link' })).content).toEqual([
      { type: 'text', text: 'fine' },
    ]);
    const listing = await call({ tool: 'list_files', path: '.' });
    const entries = (
      listing.structuredContent as { entries: Array<{ name: string; type: string; size: number }> }
    ).entries;
    expect(entries.find((entry) => entry.name === 'link-to-secret')).toEqual(
      expect.objectContaining({ type: 'symlink', size: 0 }),
    );
  });

  it('reads byte ranges, round-trips binary content through base64, and refuses to mangle binary as text', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 0x80, 0x81, 10]);
    await client.callTool({
      name: 'write_file',
      arguments: { path: 'bin.dat', content: bytes.toString('base64'), encoding: 'base64' },
    });
    const asBase64 = await client.callTool({
      name: 'read_file',
      arguments: { path: 'bin.dat', encoding: 'base64' },
    });
    expect(
      Buffer.from((asBase64.structuredContent as { content: string }).content, 'base64'),
    ).toEqual(bytes);
    const asText = await client.callTool({ name: 'read_file', arguments: { path: 'bin.dat' } });
    expect(asText.isError).toBe(true);
    expect((asText.content as Array<{ text: string }>)[0]!.text).toMatch(/not UTF-8 text.*base64/);
    await client.callTool({
      name: 'write_file',
      arguments: { path: 'range.txt', content: 'abcdefghij' },
    });
    const range = await client.callTool({
      name: 'read_file',
      arguments: { path: 'range.txt', offset: 3, length: 4 },
    });
    expect(range.structuredContent).toEqual({
      path: 'range.txt',
      size: 10,
      offset: 3,
      length: 4,
      encoding: 'utf8',
      eof: false,
      content: 'defg',
    });
  });
});
