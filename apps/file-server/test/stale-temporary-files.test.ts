import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareRoot } from '../src/prepare-root.js';
import { logCleanUp } from '../src/start-file-server.js';
import { removeStaleTemporaryFiles, temporaryFileName } from '../src/temporary-files.js';

const module = fileURLToPath(new URL('../src/temporary-files.ts', import.meta.url));

/**
 * A writer in another process: it creates a temporary file named as the server names them in
 * `folder`, writes part of it, says its name and waits (a write under way), until killed.
 */
async function startWriter(folder: string) {
  const script = `
    import { open } from 'node:fs/promises';
    import { join } from 'node:path';
    const { temporaryFileName } = await import(${JSON.stringify(module)});
    const name = temporaryFileName();
    const handle = await open(join(${JSON.stringify(folder)}, name), 'wx');
    await handle.write(Buffer.alloc(65536, 97));
    process.stdout.write(name + '\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: 'pipe',
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  }) as ChildProcessWithoutNullStreams;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let out = '';
  const name = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.endsWith('\n')) resolve(out.trim());
    });
    let errors = '';
    child.stderr.on('data', (chunk) => {
      errors += chunk;
    });
    child.once('exit', () => reject(new Error(`the writer exited: ${errors}`)));
  });
  return { child, name, exited };
}

describe('temporary files of interrupted writes', () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-server-stale-'));
    outside = await mkdtemp(join(tmpdir(), 'file-server-stale-outside-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it("removes at start those of writers killed with -9, never a live writer's, and nothing else", async () => {
    await mkdir(join(root, 'a/b'), { recursive: true });
    // Two writers killed with -9 mid-write (one in a subfolder), one still writing.
    const killed = [await startWriter(root), await startWriter(join(root, 'a/b'))];
    const live = await startWriter(join(root, 'a'));
    try {
      for (const writer of killed) {
        writer.child.kill('SIGKILL');
        await writer.exited;
      }
      // Names that look close but are not stale, or not this version's, or not files.
      const other = temporaryFileName().replace(/-[0-9a-f]{16}-/, '-0123456789abcdef-');
      const legacy = '.portcullis-write-00000000-0000-0000-0000-000000000000.tmp';
      const folderNamed = killed[1]!.name;
      await writeFile(join(root, other), 'another boot or PID namespace');
      await writeFile(join(root, legacy), 'an earlier version: no writer known');
      await writeFile(join(root, '.portcullis-write-x.tmp'), 'not the pattern');
      await writeFile(join(root, 'keep.txt'), 'data');
      await mkdir(join(root, folderNamed));
      // A link to an outside folder holding a stale-looking file: never followed.
      const outsideName = killed[0]!.name;
      await writeFile(join(outside, outsideName), 'outside');
      await symlink(outside, join(root, 'link'));

      const lines: string[] = [];
      const logger = pino(
        { base: undefined },
        {
          write: (line: string) => {
            lines.push(line);
          },
        },
      );
      await prepareRoot(root, logCleanUp(logger));

      expect((await readdir(root)).sort()).toEqual(
        [other, legacy, '.portcullis-write-x.tmp', 'keep.txt', folderNamed, 'a', 'link'].sort(),
      );
      expect(await readdir(join(root, 'a'))).toEqual(expect.arrayContaining(['b', live.name]));
      expect(await readdir(join(root, 'a/b'))).toEqual([]);
      expect(await readdir(outside)).toEqual([outsideName]);

      const logged = JSON.parse(lines.join(''));
      expect(logged).toMatchObject({
        msg: 'temporary files of interrupted writes removed',
        removed: 2,
        kept: 4,
      });
      expect([...logged.names].sort()).toEqual([killed[0]!.name, `a/b/${killed[1]!.name}`].sort());
      expect(lines.join('')).not.toContain(root);
    } finally {
      live.child.kill('SIGKILL');
      await live.exited;
    }
  }, 30_000);

  it('stops at its limits', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'file-server-stale-limits-'));
    try {
      await mkdir(join(folder, 'd1/d2/d3'), { recursive: true });
      for (let index = 0; index < 50; index += 1) await writeFile(join(folder, `f${index}`), '');
      const report = await removeStaleTemporaryFiles(folder, { maxDepth: 1, maxEntries: 20 });
      expect(report).toMatchObject({ entries: 20, truncated: true, removed: [] });
      const deep = await removeStaleTemporaryFiles(folder, { maxDepth: 1, maxEntries: 1000 });
      expect(deep).toMatchObject({ entries: 52, truncated: true });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
