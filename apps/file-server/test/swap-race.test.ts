import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFileTools } from './connect-file-tools.js';

/** Swaps `dir` between a real folder and a link to the outside folder until told to stop. */
const SWAPPER = `
const { renameSync } = require('node:fs');
const [dir, real, link] = process.argv.slice(1);
let swaps = 0;
let stop = false;
process.stdin.on('data', () => { stop = true; });
process.stdin.resume();
const tick = () => {
  for (let i = 0; i < 200 && !stop; i += 1) {
    renameSync(real, dir); renameSync(dir, real);
    renameSync(link, dir); renameSync(dir, link);
    swaps += 1;
  }
  if (stop) process.stdout.write(String(swaps), () => process.exit(0));
  else setImmediate(tick);
};
process.stdout.write('ready\\n');
tick();
`;

/** Every `.portcullis-write-*` file under `folder`, links not followed. */
async function temporaryFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.name.startsWith('.portcullis-write-')).map((e) => e.name);
}

describe('a folder swapped with a link to the outside while tools run', () => {
  let base: string;
  let root: string;
  let outside: string;
  let client: Client;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'file-server-race-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(join(root, '.real'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(root, '.real', 'secret.txt'), 'inside');
    await writeFile(join(outside, 'secret.txt'), 'OUTSIDE');
    await symlink(outside, join(root, '.link'));
    client = await connectFileTools(root);
  });
  afterAll(async () => {
    await client.close();
    await rm(base, { recursive: true, force: true });
  });

  it('never reads the outside file, never writes outside, and leaves no temporary file', async () => {
    const swapper = spawn(
      process.execPath,
      ['-e', SWAPPER, join(root, 'dir'), join(root, '.real'), join(root, '.link')],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let output = '';
    swapper.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise((resolve) => swapper.once('exit', resolve));
    let stopped = false;
    void exited.then(() => {
      if (!stopped) throw new Error('the swapper stopped early');
    });
    while (!output.startsWith('ready')) await new Promise((resolve) => setTimeout(resolve, 5));

    const tally = { reads: 0, readsInside: 0, readsOutside: 0, writes: 0, writesDone: 0 };
    /** At least 3 s and 2,000 reads; at most 20 s on a slow machine. */
    const started = Date.now();
    const going = () =>
      Date.now() - started < 20_000 && (Date.now() - started < 3000 || tally.reads < 2000);
    const worker = async (index: number) => {
      while (going()) {
        if (index % 2 === 0) {
          const result = await client.callTool({
            name: 'read_file',
            arguments: { path: 'dir/secret.txt' },
          });
          tally.reads += 1;
          const text = (result.content as Array<{ text: string }>)[0]!.text;
          if (!result.isError && text === 'inside') tally.readsInside += 1;
          if (text.includes('OUTSIDE')) tally.readsOutside += 1;
        } else {
          const result = await client.callTool({
            name: 'write_file',
            arguments: { path: `dir/x-${index}.txt`, content: 'written' },
          });
          tally.writes += 1;
          if (!result.isError) tally.writesDone += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, index) => worker(index)));
    stopped = true;
    swapper.stdin.write('stop');
    await exited;
    const swaps = Number(output.slice('ready\n'.length));
    const landedOutside = (await readdir(outside)).filter((name) => name !== 'secret.txt');
    const leftBehind = await temporaryFiles(base);
    console.log(
      `swap race: ${swaps} folder/link swap cycles; ${tally.reads} reads (${tally.readsInside} inside, ${tally.readsOutside} outside), ${tally.writes} writes (${tally.writesDone} done, ${landedOutside.length} files outside), ${leftBehind.length} temporary files left`,
    );

    expect(swaps).toBeGreaterThan(1000);
    expect(tally.reads).toBeGreaterThanOrEqual(2000);
    expect(tally.readsInside, 'some reads found the real folder').toBeGreaterThan(0);
    expect(tally.readsInside, 'some reads met the link or a gap').toBeLessThan(tally.reads);
    expect(tally.writesDone, 'some writes found the real folder').toBeGreaterThan(0);
    expect(tally.readsOutside).toBe(0);
    expect(landedOutside).toEqual([]);
    expect(leftBehind).toEqual([]);
  }, 60_000);
});
