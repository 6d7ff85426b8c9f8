import type { ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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

/**
 * Kills the server with -9 once its write to `folder` is under way: a temporary file holds more
 * than `from` bytes and at least a mebibyte less than `total`. The server is stopped (SIGSTOP)
 * while the folder is looked at and runs only between two looks, so the moment cannot slip by
 * between a look and the kill. Returns the temporary file and its size when killed, or
 * `undefined` when the write was answered first (the server ran past the window; not a kill).
 */
async function killMidWrite(
  child: ChildProcess,
  answered: () => boolean,
  folder: string,
  from: number,
  total: number,
): Promise<{ name: string; size: number } | undefined> {
  const pid = child.pid!;
  const deadline = Date.now() + 30_000;
  try {
    while (Date.now() < deadline && !answered()) {
      await new Promise((resolve) => setImmediate(resolve));
      process.kill(pid, 'SIGSTOP');
      const names = readdirSync(folder).filter((name) => name.startsWith('.portcullis-write-'));
      for (const name of names) {
        const size = statSync(join(folder, name), { throwIfNoEntry: false })?.size ?? 0;
        if (size > from && size < total - MIB) return { name, size };
      }
      process.kill(pid, 'SIGCONT');
    }
    if (answered()) return undefined;
    throw new Error('no write was seen under way');
  } finally {
    process.kill(pid, 'SIGKILL');
  }
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

  it('leaves the old content, never a part, when the server is killed with -9 in the middle of large writes', async () => {
    const target = join(root, 'big.txt');
    const sizes: Record<string, number> = { A: 4 * MIB };
    await writeFile(target, content('A', sizes.A!));
    /** How far each write has gone when it is killed: a share of its bytes on disk. */
    const progress = [0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.25];
    const landed: string[] = [];
    let current = 'A';
    let missed = 0;
    for (const [index, share] of progress.entries()) {
      const letter = String.fromCharCode(66 + index);
      const size = (8 + (index % 3)) * MIB;
      sizes[letter] = size;
      let seen: { name: string; size: number } | undefined;
      while (!seen) {
        const server = await runCli(['--port', '0', '--root', root]);
        let answered = false;
        const write = postAndForget(server.url, server.tokens.readWrite, {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'write_file',
            arguments: { path: 'big.txt', content: content(letter, size) },
          },
        }).then(() => {
          answered = true;
        });
        seen = await killMidWrite(
          server.child,
          () => answered,
          root,
          Math.floor(size * share),
          size,
        );
        await server.exited;
        await write;
        if (!seen) {
          missed += 1;
          expect(missed, 'writes that finished before they could be killed').toBeLessThan(8);
          current = letter;
          expect(wholeVersion(await readFile(target, 'utf8'), sizes)).toBe(current);
        }
      }
      const left = await stat(join(root, seen.name));
      expect(left.size, `kill ${index + 1} landed before the write finished`).toBeLessThan(size);
      expect(left.size).toBeGreaterThanOrEqual(seen.size);
      expect(wholeVersion(await readFile(target, 'utf8'), sizes), `after kill ${index + 1}`).toBe(
        current,
      );
      landed.push(`${Math.round((left.size / size) * 100)}%`);
      await rm(join(root, seen.name));
    }
    console.log(
      `kill -9 during writes: ${landed.length} kills, each mid-write, with this share of the temporary file written: ${landed.join(' ')}; the target was whole each time (${missed} write(s) finished before a kill and were retried)`,
    );
    expect(await readdir(root)).toEqual(['big.txt']);
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
