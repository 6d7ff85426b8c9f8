import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { type FileHandle, lstat, open, opendir, readlink, unlink } from 'node:fs/promises';
import { fdPath, OPEN_FOLDER, openRoot } from './proc-fd.js';

/**
 * Who writes a temporary file: the writing process's id, its start time (clock ticks since boot,
 * from `/proc/self/stat`, so a reused id is told apart) and a tag of this boot and PID namespace
 * (so a process id is only ever looked up where it means something).
 */
interface Owner {
  pid: number;
  start: string;
  tag: string;
}

/** The fields of `/proc/PID/stat` after the command name: state first, start time 20th. */
function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** This process as an owner, or `undefined` where `/proc` cannot say (nothing is cleaned then). */
function identify(): Owner | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const namespace = readlinkSync('/proc/self/ns/pid');
    const start = statFields('self')[19];
    if (!boot || !namespace || !start || !/^\d+$/.test(start)) return undefined;
    const tag = createHash('sha256').update(`${boot}\n${namespace}`).digest('hex').slice(0, 16);
    return { pid: process.pid, start, tag };
  } catch {
    return undefined;
  }
}

let self: Owner | null | undefined;
/** This process as an owner, computed once. */
function owner(): Owner | undefined {
  if (self === undefined) self = identify() ?? null;
  return self ?? undefined;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** A temporary file of this version: `.portcullis-write-PID-START-TAG-UUID.tmp`. */
const OWNED = new RegExp(
  `^\\.portcullis-write-(\\d{1,10})-(\\d{1,20})-([0-9a-f]{16})-${UUID}\\.tmp$`,
);

/**
 * The name of a new temporary file: it carries its writer, so a later start can tell a file left
 * by a dead process from one a live server is still writing. Where `/proc` cannot identify this
 * process, the name carries a random tag that no clean-up will ever match.
 */
export function temporaryFileName(): string {
  const me = owner();
  const prefix = me
    ? `${me.pid}-${me.start}-${me.tag}`
    : `0-0-${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  return `.portcullis-write-${prefix}-${randomUUID()}.tmp`;
}

/**
 * Whether the temporary file `name` was left by a writer that is gone: its name has this
 * version's exact shape, it was written in this boot and PID namespace, and its process has
 * exited (no such process, a zombie, or a process that started at another moment: a reused id).
 * A process that exists but cannot be looked at (another user, `/proc` mounted with `hidepid`)
 * counts as alive. Anything else is not known to be stale, and is kept.
 */
export function isStaleTemporaryFile(name: string): boolean {
  const me = owner();
  const match = OWNED.exec(name);
  if (!me || !match || match[3] !== me.tag) return false;
  const pid = Number(match[1]);
  const start = match[2];
  if (pid === me.pid) return start !== me.start;
  if (pid <= 1) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const fields = statFields(pid);
    return fields[0] === 'Z' || fields[0] === 'X' || fields[19] !== start;
  } catch {
    return false;
  }
}

/** Bounds of the clean-up walk at start, so a huge folder does not delay the start much. */
export interface CleanUpLimits {
  /** Folder levels below the root that are looked into. Default 16. */
  maxDepth: number;
  /** Entries looked at in all. Default 100 000. */
  maxEntries: number;
}

const DEFAULT_CLEAN_UP: CleanUpLimits = { maxDepth: 16, maxEntries: 100_000 };

/** What the clean-up did: names relative to the root. */
export interface CleanUpReport {
  removed: string[];
  /** Temporary files kept: another live writer's, or one not known to be stale. */
  kept: number;
  /** Entries looked at. */
  entries: number;
  /** Whether a limit stopped the walk before the whole folder was seen. */
  truncated: boolean;
}

const isInside = (root: string, candidate: string) =>
  candidate === root || candidate.startsWith(`${root}/`);

/**
 * Removes the temporary files that writes interrupted by a crash or `kill -9` left under `root`
 * (a real path), and only those that are stale ({@link isStaleTemporaryFile}). The walk is the
 * sandbox's own: each folder is opened with `O_NOFOLLOW | O_DIRECTORY` through its parent's
 * descriptor (`/proc/self/fd/N/name`), links are never followed, other file systems are not
 * entered, each folder's real location must be inside the root before anything in it is
 * removed, and an entry is removed through its folder's descriptor only if `lstat` finds a
 * regular file. Bounded by `limits`; never throws for what it meets on the way.
 */
export async function removeStaleTemporaryFiles(
  root: string,
  limits: CleanUpLimits = DEFAULT_CLEAN_UP,
): Promise<CleanUpReport> {
  const report: CleanUpReport = { removed: [], kept: 0, entries: 0, truncated: false };
  const top = await openRoot(root);
  try {
    const { dev } = await top.stat();
    await visit(top, []);

    async function visit(folder: FileHandle, names: readonly string[]): Promise<void> {
      if (!isInside(root, await readlink(fdPath(folder)))) return;
      const directory = await opendir(fdPath(folder), { bufferSize: 256 });
      try {
        for (let entry = await directory.read(); entry; entry = await directory.read()) {
          if (report.entries >= limits.maxEntries) {
            report.truncated = true;
            return;
          }
          report.entries += 1;
          const entryPath = fdPath(folder, entry.name);
          if (entry.name.startsWith('.portcullis-write-')) {
            const info = await lstat(entryPath).catch(() => undefined);
            if (!info?.isFile()) continue;
            if (!isStaleTemporaryFile(entry.name)) {
              report.kept += 1;
              continue;
            }
            const removed = await unlink(entryPath).then(
              () => true,
              () => false,
            );
            if (removed) report.removed.push([...names, entry.name].join('/'));
            continue;
          }
          if (!entry.isDirectory()) continue;
          if (names.length >= limits.maxDepth) {
            report.truncated = true;
            continue;
          }
          const child = await open(entryPath, OPEN_FOLDER).catch(() => undefined);
          if (!child) continue;
          try {
            if ((await child.stat()).dev === dev) await visit(child, [...names, entry.name]);
          } finally {
            await child.close();
          }
        }
      } finally {
        await directory.close().catch(() => undefined);
      }
    }
  } finally {
    await top.close();
  }
  return report;
}
