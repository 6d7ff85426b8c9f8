import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServerProcess } from './file-server-process.js';
import { postJson } from './post-json.js';

/**
 * Kills in all (`KILLS`, default 10: each costs a start of the CLI from source, about 1.3 s of
 * CPU, plus the writes that finish between two looks); two lanes (one per core) share them.
 */
const KILLS = Number(process.env.KILLS) || 10;
const LANES = 2;
/** Small enough to be quick, large enough to be written in several chunks. */
const SIZE = 4 * 1024 * 1024;
const TEMPORARY = /^\.portcullis-write-.*\.tmp$/;
/** How long the server runs between two looks once its request is sent (it reads and parses). */
const STEP_MS = 0.1;
/** How long it runs between two looks once its temporary file exists (it writes). */
const FINE_STEP_MS = 0.05;

/** The content of version `n`: its number, then filler, exactly SIZE bytes. */
const version = (n: number) => `v${n}:`.padEnd(SIZE, String.fromCharCode(97 + (n % 26)));

/** Whether every thread of `pid` is stopped (state `T` in `/proc/PID/task/TID/stat`). */
function allStopped(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const state = stat[stat.lastIndexOf(')') + 2];
    return state === 'T' || state === 't';
  });
}

/**
 * Stops `pid` and waits until every thread has: SIGSTOP is delivered asynchronously, and a
 * thread inside a `write` finishes that call first. Once all are stopped, no byte is written
 * until SIGCONT, so a size read then is the size at a kill.
 */
function stop(pid: number): void {
  process.kill(pid, 'SIGSTOP');
  while (!allStopped(pid));
}

/** The temporary files of `folder` not in `known`, with their sizes. */
function temporaryFiles(folder: string, known: ReadonlySet<string>) {
  return readdirSync(folder)
    .filter((name) => TEMPORARY.test(name) && !known.has(name))
    .map((name) => ({ name, size: statSync(join(folder, name), { throwIfNoEntry: false })?.size }));
}

/**
 * Kills the server with -9 while it is stopped and its new temporary file holds some but not
 * all of its bytes. The server must be stopped when this is called; it then runs only in steps
 * (0.2 ms while it reads and parses the request, a few microseconds once its temporary file
 * exists), and the folder is looked at between steps, so a write of several chunks cannot slip
 * by. While the request is still being sent, each step follows a turn of this event loop (the
 * client needs it). Returns the file and its size at the kill, or `undefined` when the write
 * got past its temporary file between two looks (not a kill mid-write).
 */
async function killMidWrite(
  pid: number,
  sent: () => boolean,
  folder: string,
  target: string,
  known: ReadonlySet<string>,
): Promise<{ name: string; size: number } | undefined> {
  const deadline = Date.now() + 30_000;
  // The answer cannot be seen between synchronous steps: a new inode of the target says the
  // write was renamed into place.
  const before = statSync(target).ino;
  try {
    let file: string | undefined;
    for (;;) {
      if (Date.now() > deadline) throw new Error('no write was seen under way');
      if (!sent()) await new Promise((resolve) => setImmediate(resolve));
      file ??= temporaryFiles(folder, known)[0]?.name;
      if (file !== undefined) {
        const size = statSync(join(folder, file), { throwIfNoEntry: false })?.size;
        if (size === undefined) return undefined;
        if (size > 0 && size < SIZE) return { name: file, size };
      } else if (statSync(target).ino !== before) return undefined;
      process.kill(pid, 'SIGCONT');
      const resume = performance.now();
      while (performance.now() - resume < (file === undefined ? STEP_MS : FINE_STEP_MS));
      stop(pid);
    }
  } finally {
    process.kill(pid, 'SIGKILL');
  }
}

let turn = Promise.resolve();
/** Runs `task` once every task queued before it has finished. */
function exclusively<T>(task: () => Promise<T>): Promise<T> {
  const result = turn.then(task);
  turn = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}

/** One lane: kill after kill in its own folder, each proven to land mid-write. */
async function lane(server: AuthorizationServer, kills: number) {
  const root = await mkdtemp(join(tmpdir(), 'security-kill-'));
  const target = join(root, 'target.txt');
  let current = 0;
  await writeFile(target, version(current));
  const leftovers = new Set<string>();
  const shares: number[] = [];
  let missed = 0;
  let next = 1;
  try {
    while (shares.length < kills) {
      const started = await startFileServerProcess([
        '--port',
        '0',
        '--root',
        root,
        '--issuer',
        server.issuer,
        '--rate-limit',
        'off',
      ]);
      const token = await server.mintToken({ audience: started.url, scopes: ['files:write'] });
      // A first call loads the issuer's keys: the write must need nothing from this process,
      // whose event loop the synchronous steps hold (the authorization server runs here).
      const warm = await postJson(started.url, token, {
        jsonrpc: '2.0',
        id: 0,
        method: 'tools/list',
      });
      expect(warm?.status).toBe(200);
      const writing = next++;
      // One lane at a time steps its server: a lane busy in its synchronous steps would leave the
      // other lane's server running unwatched. Starting servers overlaps freely.
      const { seen, write } = await exclusively(async () => {
        let sent = false;
        stop(started.child.pid!);
        const write = postJson(
          started.url,
          token,
          {
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: {
              name: 'write_file',
              arguments: { path: 'target.txt', content: version(writing) },
            },
          },
          () => {
            sent = true;
          },
        );
        const seen = await killMidWrite(started.child.pid!, () => sent, root, target, leftovers);
        return { seen, write };
      });
      await started.exited;
      const answer = await write;
      if (!seen) {
        // The write got past its temporary file between two looks: not a kill mid-write, so it
        // does not count. The target is whole all the same, old or new.
        missed += 1;
        const now = await readFile(target, 'utf8');
        expect([version(current), version(writing)]).toContain(now);
        if (now === version(writing)) current = writing;
        continue;
      }
      // Proof that the kill landed mid-write: the temporary file is still there, as partial as
      // it was when the server was stopped and killed.
      const left = await stat(join(root, seen.name));
      expect(left.size).toBe(seen.size);
      expect(left.size).toBeLessThan(SIZE);
      expect(answer, 'a killed write is never answered').toBeUndefined();
      // No partial file: the target is exactly the old version.
      expect(await readFile(target, 'utf8')).toBe(version(current));
      leftovers.add(seen.name);
      shares.push(seen.size / SIZE);
    }
    return { root, target, current, leftovers, shares, missed };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

describe('kill -9 of the file server during writes', () => {
  let server: AuthorizationServer;
  const roots: string[] = [];
  beforeAll(async () => {
    server = await startAuthorizationServer();
  });
  afterAll(async () => {
    await server.close();
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  });

  it(`leaves every file whole (old or new) through ${KILLS} kills, each proven mid-write`, async () => {
    const lanes = await Promise.all(
      Array.from({ length: LANES }, (_, index) =>
        lane(server, Math.floor(KILLS / LANES) + (index < KILLS % LANES ? 1 : 0)),
      ),
    );
    roots.push(...lanes.map((result) => result.root));
    const shares = lanes.flatMap((result) => result.shares);
    expect(shares).toHaveLength(KILLS);
    expect(Math.min(...shares)).toBeGreaterThan(0);
    expect(Math.max(...shares)).toBeLessThan(1);

    // After a restart, each folder holds its target whole, and nothing of the killed writes is
    // visible or addressable through the server: listings hide the temporary files.
    for (const result of lanes) {
      const restarted = await startFileServerProcess([
        '--port',
        '0',
        '--root',
        result.root,
        '--issuer',
        server.issuer,
        '--rate-limit',
        'off',
      ]);
      try {
        const token = await server.mintToken({
          audience: restarted.url,
          scopes: ['files:read', 'files:list'],
        });
        const listed = await postJson(restarted.url, token, {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'list_files', arguments: {} },
        });
        const entries = JSON.parse(listed!.body).result.structuredContent.entries as {
          name: string;
        }[];
        expect(entries.map((entry) => entry.name)).toEqual(['target.txt']);
        const read = await postJson(restarted.url, token, {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'read_file', arguments: { path: 'target.txt', length: 16 } },
        });
        expect(JSON.parse(read!.body).result.structuredContent.content).toBe(
          version(result.current).slice(0, 16),
        );
      } finally {
        restarted.child.kill('SIGKILL');
        await restarted.exited;
      }
      expect(await readFile(result.target, 'utf8')).toBe(version(result.current));
      const onDisk = (await readdir(result.root)).filter((name) => TEMPORARY.test(name));
      expect(new Set(onDisk)).toEqual(result.leftovers);
    }
    const percent = shares.map((share) => Math.round(share * 100)).sort((a, b) => a - b);
    console.log(
      `kill -9 during writes: ${shares.length} kills, each mid-write (temporary file ${percent[0]}%–${percent.at(-1)}% written, median ${percent[Math.floor(percent.length / 2)]}%); every target whole; ${lanes.reduce((sum, result) => sum + result.missed, 0)} write(s) finished before a kill and were not counted`,
    );
  }, 600_000);
});
