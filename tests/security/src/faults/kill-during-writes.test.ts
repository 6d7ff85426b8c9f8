import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleFileServerCli,
  killFileServers,
  startFileServerProcess,
} from './file-server-process.js';
import { postJson } from './post-json.js';
import { type StaticIssuer, startStaticIssuer } from './static-issuer.js';

/**
 * Kills in all (`KILLS`, default 60, so that the whole check stays under 30 minutes on a
 * 2-core machine, where 100 took 200 s of it; more for a longer look). Each costs a start of
 * the CLI — bundled once with esbuild (about 0.2 s of CPU a start, against 0.85 s through tsx) and trusting a static issuer (a JWKS
 * served by its own process: no discovery, no embedded authorization server) — plus one stepped
 * write. A write that gets past its temporary file between two looks is not a kill: the same
 * server gets another write, so no start is wasted. Kills go in rounds over `LANES` folders:
 * their servers start in parallel, then are stepped and killed one at a time.
 */
const KILLS = Number(process.env.KILLS) || 60;
const LANES = 10;
/** Small enough to be quick, large enough to be written in several chunks. */
const SIZE = 4 * 1024 * 1024;
const TEMPORARY = /^\.portcullis-write-.*\.tmp$/;
/** How long the server runs between two looks once its request is sent (it reads and parses). */
const STEP_MS = 0.1;
/** How long it runs between two looks once its temporary file exists (it writes). */
const FINE_STEP_MS = 0.05;

/** The content of version `n`: its number, then filler, exactly SIZE bytes. */
const version = (n: number) => `v${n}:`.padEnd(SIZE, String.fromCharCode(97 + (n % 26)));

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

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
  // Sleep between looks rather than spin: the threads need a core to reach their stop.
  while (!allStopped(pid)) Atomics.wait(PAUSE, 0, 0, 0.02);
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
 * got past its temporary file between two looks (not a kill mid-write): the server is then left
 * alive and stopped, for the caller to continue and write again.
 */
async function killMidWrite(
  pid: number,
  sent: () => boolean,
  folder: string,
  target: string,
  known: ReadonlySet<string>,
): Promise<{ name: string; size: number } | undefined> {
  // The answer cannot be seen between synchronous steps: a new inode of the target says the
  // write was renamed into place.
  const before = statSync(target).ino;
  let seen: { name: string; size: number } | undefined;
  try {
    let file: string | undefined;
    for (;;) {
      if (!sent()) await new Promise((resolve) => setImmediate(resolve));
      file ??= temporaryFiles(folder, known)[0]?.name;
      if (file !== undefined) {
        const size = statSync(join(folder, file), { throwIfNoEntry: false })?.size;
        if (size === undefined) return undefined;
        if (size > 0 && size < SIZE) {
          seen = { name: file, size };
          return seen;
        }
      } else if (statSync(target).ino !== before) return undefined;
      process.kill(pid, 'SIGCONT');
      const resume = performance.now();
      while (performance.now() - resume < (file === undefined ? STEP_MS : FINE_STEP_MS));
      stop(pid);
    }
  } catch (error) {
    process.kill(pid, 'SIGKILL');
    throw error;
  } finally {
    if (seen) process.kill(pid, 'SIGKILL');
  }
}

/** What every lane shares: the bundled CLI and the issuer its servers trust. */
interface Context {
  bundle: string;
  issuer: StaticIssuer;
}

/** Starts the bundled CLI on `root`, trusting the static issuer. */
function startServer(context: Context, root: string) {
  return startFileServerProcess(
    [
      '--port',
      '0',
      '--root',
      root,
      '--issuer',
      context.issuer.issuer,
      '--jwks-uri',
      context.issuer.jwksUri,
      '--rate-limit',
      'off',
    ],
    { bundle: context.bundle },
  );
}

const writeCall = (id: number, n: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'write_file', arguments: { path: 'target.txt', content: version(n) } },
});

/** One folder and its history: kill after kill, each proven to land mid-write. */
interface Lane {
  root: string;
  target: string;
  /** The version the target holds. */
  current: number;
  /** The temporary file the last kill left, which the next start must remove. */
  leftover?: string;
  shares: number[];
  missed: number;
  removedAtRestart: number;
}

async function createLane(): Promise<Lane> {
  const root = await mkdtemp(join(tmpdir(), 'security-kill-'));
  const target = join(root, 'target.txt');
  await writeFile(target, version(0));
  return { root, target, current: 0, shares: [], missed: 0, removedAtRestart: 0 };
}

let next = 1;

/** Starts a server on the lane's folder, checks the last kill's leftover is gone, warms it. */
async function startOn(context: Context, lane: Lane) {
  const started = await startServer(context, lane.root);
  if (lane.leftover !== undefined) {
    // The start removed what the killed write left: its process is gone.
    expect(existsSync(join(lane.root, lane.leftover)), 'a killed write left its file').toBe(false);
    lane.removedAtRestart += 1;
  }
  const token = await context.issuer.mint({ audience: started.url, scopes: ['files:write'] });
  // A first call loads the issuer's keys: the write needs nothing from outside the server.
  const warm = await postJson(started.url, token, { jsonrpc: '2.0', id: 0, method: 'tools/list' });
  expect(warm?.status).toBe(200);
  return { started, token };
}

/**
 * Writes through `server` until a kill lands mid-write. A write that gets past its temporary
 * file between two looks does not count: the server, alive and stopped, is continued, its
 * answer and the new version checked, and it writes again.
 */
async function killOne(lane: Lane, { started, token }: Awaited<ReturnType<typeof startOn>>) {
  const pid = started.child.pid!;
  for (;;) {
    const writing = next++;
    let sent = false;
    stop(pid);
    const write = postJson(started.url, token, writeCall(writing, writing), () => {
      sent = true;
    });
    const seen = await killMidWrite(pid, () => sent, lane.root, lane.target, new Set());
    if (seen) {
      await started.exited;
      // Proof that the kill landed mid-write: the temporary file is still there, as partial as
      // it was when the server was stopped and killed.
      const left = await stat(join(lane.root, seen.name));
      expect(left.size).toBe(seen.size);
      expect(left.size).toBeLessThan(SIZE);
      expect(await write, 'a killed write is never answered').toBeUndefined();
      // No partial file: the target is exactly the old version.
      expect(await readFile(lane.target, 'utf8')).toBe(version(lane.current));
      lane.leftover = seen.name;
      lane.shares.push(seen.size / SIZE);
      return;
    }
    lane.missed += 1;
    process.kill(pid, 'SIGCONT');
    expect((await write)?.status).toBe(200);
    expect(await readFile(lane.target, 'utf8')).toBe(version(writing));
    lane.current = writing;
  }
}

describe('kill -9 of the file server during writes', () => {
  const context = {} as Context;
  const roots: string[] = [];
  beforeAll(async () => {
    const [bundle, issuer] = await Promise.all([bundleFileServerCli(), startStaticIssuer()]);
    Object.assign(context, { bundle, issuer });
  });
  afterAll(async () => {
    // Whatever failed, no server of a round is left running (or stopped) behind the test.
    await killFileServers();
    await context.issuer?.close();
    if (context.bundle) roots.push(dirname(context.bundle));
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  });

  it(`leaves every file whole (old or new) through ${KILLS} kills, each proven mid-write, and the restarts clean up`, async () => {
    const started = performance.now();
    const lanes = await Promise.all(Array.from({ length: Math.min(LANES, KILLS) }, createLane));
    roots.push(...lanes.map((lane) => lane.root));
    // Rounds: one server per lane started in parallel (both cores), then each stepped and killed
    // in turn with nothing else running, so a stop is not delayed by a busy scheduler.
    for (let killed = 0; killed < KILLS; ) {
      const round = lanes.slice(0, Math.min(lanes.length, KILLS - killed));
      const servers = await Promise.all(round.map((lane) => startOn(context, lane)));
      for (const [index, lane] of round.entries()) await killOne(lane, servers[index]!);
      killed += round.length;
    }
    const shares = lanes.flatMap((result) => result.shares);
    expect(shares).toHaveLength(KILLS);
    expect(Math.min(...shares)).toBeGreaterThan(0);
    expect(Math.max(...shares)).toBeLessThan(1);

    // After a last restart, each folder holds its target whole, and nothing of the killed writes
    // is left: the start removed the last temporary file, as each start before it did.
    await Promise.all(
      lanes.map(async (result) => {
        const restarted = await startServer(context, result.root);
        try {
          const token = await context.issuer.mint({
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
        expect(await readdir(result.root)).toEqual(['target.txt']);
      }),
    );
    const percent = shares.map((share) => Math.round(share * 100)).sort((a, b) => a - b);
    const removed = lanes.reduce((sum, result) => sum + result.removedAtRestart, 0) + lanes.length;
    console.log(
      `kill -9 during writes: ${shares.length} kills in ${((performance.now() - started) / 1000).toFixed(1)} s, each mid-write (temporary file ${percent[0]}%–${percent.at(-1)}% written, median ${percent[Math.floor(percent.length / 2)]}%); every target whole; ${removed} leftover(s) removed by the next start; ${lanes.reduce((sum, result) => sum + result.missed, 0)} write(s) finished before a kill and were not counted`,
    );
  }, 600_000);
});
