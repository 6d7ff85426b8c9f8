import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createPortcullis, createRegistry } from '@portcullis/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileTools } from './file-tools.js';

describe('the size limits of the file tools', () => {
  let root: string;
  let client: Client;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-tools-'));
    const portcullis = createPortcullis({
      resource: 'http://127.0.0.1:9/mcp',
      server: { name: 'limits', version: '1' },
      registry: createRegistry({
        tools: createFileTools(root, { maxReadBytes: 8, maxWriteBytes: 16, maxListEntries: 2 }),
      }),
      verifier: false,
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await portcullis.createServer({ auth: undefined, transport: 'in-memory' }).connect(serverSide);
    client = new Client({ name: 'limits', version: '1' });
    await client.connect(clientSide);
  });
  afterAll(async () => {
    await client.close();
    await rm(root, { recursive: true, force: true });
  });

  it('refuses writes over the limit and leaves the file as it was', async () => {
    await writeFile(join(root, 'kept.txt'), 'original');
    const refused = await client.callTool({
      name: 'write_file',
      arguments: { path: 'kept.txt', content: 'x'.repeat(17) },
    });
    expect(refused).toEqual({
      content: [{ type: 'text', text: 'the content is 17 bytes; at most 16 are accepted' }],
      isError: true,
    });
    expect(await readFile(join(root, 'kept.txt'), 'utf8')).toBe('original');
  });

  it('returns at most maxReadBytes per call and says where the file goes on', async () => {
    await writeFile(join(root, 'long.txt'), 'abcdefghijklmnop');
    const first = await client.callTool({ name: 'read_file', arguments: { path: 'long.txt' } });
    expect(first.structuredContent).toMatchObject({
      content: 'abcdefgh',
      length: 8,
      size: 16,
      eof: false,
    });
    const second = await client.callTool({
      name: 'read_file',
      arguments: { path: 'long.txt', offset: 8 },
    });
    expect(second.structuredContent).toMatchObject({ content: 'ijklmnop', eof: true });
    const tooLong = await client.callTool({
      name: 'read_file',
      arguments: { path: 'long.txt', length: 9 },
    });
    expect(tooLong.isError).toBe(true);
  });

  it('lists at most maxListEntries and says the listing was cut', async () => {
    await writeFile(join(root, 'third.txt'), '3');
    const listed = await client.callTool({ name: 'list_files', arguments: {} });
    expect(listed.structuredContent).toMatchObject({ truncated: true });
    expect((listed.structuredContent as { entries: unknown[] }).entries).toHaveLength(2);
  });
});
