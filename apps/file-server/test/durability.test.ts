import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOptions } from '../src/options.js';
import { type RunningFileServer, startFileServer } from '../src/start-file-server.js';
import { runCli } from './cli-process.js';

const MIB = 1024 * 1024;
const content = (letter: string, size: number) => letter.repeat(size);

/** POSTs a JSON-RPC message and settles however the exchange ends, the server dying included. */
function postAndForget(url: string, token: string, message: unknown): Promise<void> {
  return new Promise((resolve) => {
    const body = JSON.stringify(message);
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.once('end', resolve);
        res.once('error', () => resolve());
      },
    );
    req.once('error', () => resolve());
    req.once('close', () => setTimeout(resolve, 10));
    req.end(body);
  });
}

/** The file is whole: one letter throughout, at that letter's full size. */
function wholeVersion(data: string, sizes: Record<string, number>): string | undefined {
  const letter = data[0];
  if (!letter || sizes[letter] !== data.length) return undefined;
  return data === content(letter, data.length) ? letter : undefined;
}

describe('writes are atomic', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-server-durability-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('leaves the old content or the new, never a part, when the server is killed with -9 during large writes', async () => {
    const target = join(root, 'big.txt');
    const sizes: Record<string, number> = { A: 4 * MIB };
    await writeFile(target, content('A', sizes.A!));
    const delays = [5, 40, 80, 120, 160, 220, 300, 450];
    const outcomes: string[] = [];
    for (const [index, delay] of delays.entries()) {
      const letter = String.fromCharCode(66 + index);
      sizes[letter] = (5 + (index % 3)) * MIB;
      const server = await runCli(['--port', '0', '--root', root]);
      const write = postAndForget(server.url, server.tokens.readWrite, {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'write_file',
          arguments: { path: 'big.txt', content: content(letter, sizes[letter]!) },
        },
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
      server.child.kill('SIGKILL');
      await server.exited;
      await write;
      const version = wholeVersion(await readFile(target, 'utf8'), sizes);
      expect(version, `after kill ${index + 1} (${delay} ms)`).toBeDefined();
      outcomes.push(version!);
    }
    const names = await readdir(root);
    const interrupted = names.filter((name) => name.startsWith('.portcullis-write-')).length;
    console.log(
      `kill -9 during writes: versions on disk after each kill: ${outcomes.join(' ')}; ${interrupted} kill(s) landed inside a write (temporary file left, target intact)`,
    );
    const visible = names.filter((name) => !name.startsWith('.portcullis-write-'));
    expect(visible).toEqual(['big.txt']);
  }, 120_000);

  describe('with one server', () => {
    let server: RunningFileServer;
    let clients: Client[];
    /** Its own folder: the kill test may leave temporary files in the other. */
    let concurrentRoot: string;
    beforeAll(async () => {
      concurrentRoot = await mkdtemp(join(tmpdir(), 'file-server-concurrent-'));
      server = await startFileServer(
        parseOptions(['--port', '0', '--root', concurrentRoot], {}),
        pino({ level: 'silent' }),
      );
      clients = await Promise.all(
        [1, 2].map(async () => {
          const client = new Client({ name: 'writer', version: '1.0.0' });
          await client.connect(
            new StreamableHTTPClientTransport(new URL(server.url), {
              requestInit: {
                headers: { authorization: `Bearer ${server.development!.tokens.readWrite}` },
              },
            }),
          );
          return client;
        }),
      );
    });
    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await server.close();
      await rm(concurrentRoot, { recursive: true, force: true });
    });

    it('never interleaves two concurrent writers to one path', async () => {
      const sizes = { X: 3 * MIB, Y: 3 * MIB + 17 };
      for (let round = 0; round < 5; round += 1) {
        const results = await Promise.all([
          clients[0]!.callTool({
            name: 'write_file',
            arguments: { path: 'shared.txt', content: content('X', sizes.X) },
          }),
          clients[1]!.callTool({
            name: 'write_file',
            arguments: { path: 'shared.txt', content: content('Y', sizes.Y) },
          }),
        ]);
        expect(results.map((result) => result.isError ?? false)).toEqual([false, false]);
        expect(
          wholeVersion(await readFile(join(concurrentRoot, 'shared.txt'), 'utf8'), sizes),
        ).toMatch(/^[XY]$/);
      }
      expect(
        (await readdir(concurrentRoot)).filter((name) => name.startsWith('.portcullis-write-')),
      ).toEqual([]);
    });
  });
});
