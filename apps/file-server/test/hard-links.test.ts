import { link, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFileTools, textOf } from './connect-file-tools.js';

describe('a hard link inside the root to a file outside', () => {
  let base: string;
  let root: string;
  let client: Client;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'file-server-hard-links-'));
    root = join(base, 'root');
    await mkdir(root);
    await writeFile(join(base, 'secret.txt'), 'top secret');
    await link(join(base, 'secret.txt'), join(root, 'linked.txt'));
    await writeFile(join(root, 'own.txt'), 'mine');
    client = await connectFileTools(root);
  });
  afterAll(async () => {
    await client.close();
    await rm(base, { recursive: true, force: true });
  });

  it('is not read', async () => {
    const result = await client.callTool({ name: 'read_file', arguments: { path: 'linked.txt' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'linked.txt has other hard links (one may be outside the served folder); it is not read or written',
    );
  });

  it('is not written, and the outside file keeps its content', async () => {
    const result = await client.callTool({
      name: 'write_file',
      arguments: { path: 'linked.txt', content: 'changed' },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/has other hard links/);
    expect(await readFile(join(base, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it('does not stop files with one link', async () => {
    const result = await client.callTool({ name: 'read_file', arguments: { path: 'own.txt' } });
    expect(textOf(result)).toBe('mine');
  });
});
