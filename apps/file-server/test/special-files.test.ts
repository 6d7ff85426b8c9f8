import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFileTools, textOf } from './connect-file-tools.js';

/** Settles with the call's result, or with 'timed out' after `ms`. */
const within = <T>(ms: number, call: Promise<T>) =>
  Promise.race([call, new Promise<'timed out'>((resolve) => setTimeout(resolve, ms, 'timed out'))]);

describe('FIFOs, sockets and other non-regular files', () => {
  let root: string;
  let socket: Server;
  let client: Client;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-server-special-'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
    await writeFile(join(root, 'plain.txt'), 'plain');
    socket = createServer();
    await new Promise<void>((resolve) => socket.listen(join(root, 'socket'), resolve));
    client = await connectFileTools(root);
  });
  afterAll(async () => {
    // Releases any open() still blocked on the FIFO, so the worker can exit.
    for (let i = 0; i < 8; i += 1) {
      try {
        closeSync(openSync(join(root, 'fifo'), constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {}
    }
    await client.close();
    await new Promise((resolve) => socket.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  it.each(['fifo', 'socket'])('read_file %s is refused at once', async (name) => {
    const result = await within(
      2000,
      client.callTool({ name: 'read_file', arguments: { path: name } }),
    );
    expect(result).not.toBe('timed out');
    const refused = result as Awaited<ReturnType<Client['callTool']>>;
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe(`${name} is not a regular file`);
  });

  it('write_file over a FIFO is refused', async () => {
    const result = await client.callTool({
      name: 'write_file',
      arguments: { path: 'fifo', content: 'x' },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('fifo is not a regular file');
  });

  it('keeps the other tools working while FIFO reads are refused', async () => {
    const reads = Array.from({ length: 6 }, () =>
      within(2000, client.callTool({ name: 'read_file', arguments: { path: 'fifo' } })),
    );
    const listing = await within(2000, client.callTool({ name: 'list_files', arguments: {} }));
    expect(listing).not.toBe('timed out');
    const entries = (
      listing as unknown as {
        structuredContent: { entries: Array<{ name: string; type: string }> };
      }
    ).structuredContent.entries;
    expect(entries.map((entry) => [entry.name, entry.type])).toEqual([
      ['fifo', 'other'],
      ['plain.txt', 'file'],
      ['socket', 'other'],
    ]);
    const plain = await within(
      2000,
      client.callTool({ name: 'read_file', arguments: { path: 'plain.txt' } }),
    );
    expect(plain).not.toBe('timed out');
    expect((await Promise.all(reads)).filter((read) => read === 'timed out')).toEqual([]);
  });
});
