import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { FileAccessError } from './file-access-error.js';
import { fdPath, OPEN_FOLDER, openRoot } from './proc-fd.js';
import { TEMPORARY_FILE } from './safe-path.js';

/** Links followed plus retries after a name changed under the walk, before giving up. */
const MAX_STEPS = 40;

/** Opens a regular file without following a link and without waiting on a FIFO or device. */
const OPEN_FILE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** An object opened inside the served folder, with its names from the root (links resolved). */
export interface Opened {
  handle: FileHandle;
  names: string[];
}

/** What to open at the end of the walk, and what to say or do when a folder is missing. */
interface Goal {
  kind: 'file' | 'folder';
  /** Create missing folders on the way (folders only). */
  create?: boolean;
  /** The message when a name is missing. */
  missing: string;
  /** The message when the last name is not a folder (folders only). */
  notFolder?: string;
  /**
   * Called each time the walk has opened a folder (its names from the root), before it looks
   * up the next name: the moment a concurrent rename can strike, which tests use to make that
   * race happen when they choose instead of by chance.
   */
  onFolderOpened?: (walked: readonly string[]) => void | Promise<void>;
}

const isInside = (root: string, candidate: string) =>
  candidate === root || candidate.startsWith(`${root}/`);

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * Whether `name` names one entry of a folder and nothing else: not empty, not `.` or `..`, no
 * `/` or NUL. Looked up under `/proc/self/fd/N/`, anything else would let the kernel walk on
 * (`..` leaves the folder), so the walk refuses it whatever its caller checked.
 */
const isPlainName = (name: string) =>
  name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');

/** Where a link found after `walked` leads, as names from the root; refuses leaving the root. */
function linkTarget(root: string, walked: string[], target: string, path: string): string[] {
  const outside = () =>
    new FileAccessError(`${path} leads outside the served folder (through a symbolic link)`);
  let relative: string;
  if (target.startsWith('/')) {
    const normalized = posix.normalize(target).replace(/\/+$/, '') || '/';
    if (!isInside(root, normalized)) throw outside();
    relative = normalized.slice(root.length + 1);
  } else {
    relative = posix.normalize([...walked, target].join('/'));
    if (relative === '..' || relative.startsWith('../')) throw outside();
  }
  return relative.split('/').filter((name) => name !== '' && name !== '.');
}

/**
 * Refuses what is not a plain file: FIFOs, sockets and devices (opening them can block or act),
 * and regular files with more than one link (another name may be outside the served folder).
 */
export function assertPlainFile(info: Stats, path: string): void {
  if (!info.isFile()) throw new FileAccessError(`${path} is not a regular file`);
  if (info.nlink > 1)
    throw new FileAccessError(
      `${path} has other hard links (one may be outside the served folder); it is not read or written`,
    );
}

function assertReadable(info: Stats, path: string): void {
  if (info.isDirectory()) throw new FileAccessError(`${path} is a folder; use list_files`);
  assertPlainFile(info, path);
}

/**
 * Opens `names` (from {@link parsePath}) under `root` (a real path) one name at a time: each
 * folder is opened with `O_NOFOLLOW | O_DIRECTORY` and the next name is looked up through
 * `/proc/self/fd/N/name`, inside the folder already opened, so no rename or swap of a name
 * already passed can redirect the walk. Links are read and resolved here, never by the kernel,
 * and must stay inside the root; the walk then restarts from the root. A file is opened with
 * `O_NOFOLLOW | O_NONBLOCK` only after `lstat` found a regular file, and checked again with
 * `fstat`. Finally the descriptor's real location must be inside the root. Every name must be
 * a plain name (no `.`, `..` or `/`, whatever the caller folded), and a missing folder is
 * created only once the folder it goes in is proven still inside the root: nothing is ever
 * created outside, even by a walk whose folder was moved out under it.
 */
export async function openInRoot(
  root: string,
  names: readonly string[],
  path: string,
  goal: Goal,
): Promise<Opened> {
  let pending = [...names];
  let walked: string[] = [];
  let steps = 0;
  const step = () => {
    steps += 1;
    if (steps > MAX_STEPS)
      throw new FileAccessError(
        `${path} cannot be resolved: too many symbolic links, or it kept changing`,
      );
  };
  let created: string | undefined;
  let folder = await openRoot(root);
  let kept: FileHandle | undefined;
  try {
    while (pending.length > 0) {
      const name = pending.shift()!;
      const last = pending.length === 0;
      if (!isPlainName(name)) throw new FileAccessError(`${path} is outside the served folder`);
      if (TEMPORARY_FILE.test(name)) throw new FileAccessError(`${path} does not exist`);
      const entry = fdPath(folder, name);
      const info = await lstat(entry).catch((error: unknown) => {
        if (codeOf(error) === 'ENOENT') return undefined;
        throw error;
      });
      if (!info) {
        if (!goal.create) throw new FileAccessError(goal.missing);
        if (created === name) step();
        created = name;
        // Nothing is created where the root no longer leads: the folder may have been moved.
        await assertStillInside(root, folder, path);
        await mkdir(entry).catch((error: unknown) => {
          if (codeOf(error) !== 'EEXIST') throw error;
        });
        pending.unshift(name);
        continue;
      }
      if (info.isSymbolicLink()) {
        step();
        const target = await readlink(entry).catch((error: unknown) => {
          if (codeOf(error) === 'EINVAL' || codeOf(error) === 'ENOENT') return undefined;
          throw error;
        });
        if (target === undefined) {
          pending.unshift(name);
          continue;
        }
        pending = [...linkTarget(root, walked, target, path), ...pending];
        walked = [];
        const fresh = await openRoot(root);
        await folder.close();
        folder = fresh;
        continue;
      }
      if (last && goal.kind === 'file') {
        assertReadable(info, path);
        const file = await open(entry, OPEN_FILE).catch((error: unknown) => {
          if (codeOf(error) === 'ELOOP' || codeOf(error) === 'ENOENT') return undefined;
          throw error;
        });
        if (!file) {
          step();
          pending.unshift(name);
          continue;
        }
        try {
          assertReadable(await file.stat(), path);
          await assertStillInside(root, file, path);
        } catch (error) {
          await file.close();
          throw error;
        }
        kept = file;
        return { handle: file, names: [...walked, name] };
      }
      if (!info.isDirectory())
        throw new FileAccessError(
          last
            ? `${path} is not a folder`
            : `${path} does not exist (a part of it is not a folder)`,
        );
      const next = await open(entry, OPEN_FOLDER).catch((error: unknown) => {
        const code = codeOf(error);
        if (code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENOENT') return undefined;
        throw error;
      });
      if (!next) {
        step();
        pending.unshift(name);
        continue;
      }
      await folder.close();
      folder = next;
      walked.push(name);
      created = undefined;
      await goal.onFolderOpened?.(walked);
    }
    if (goal.kind === 'file') throw new FileAccessError(`${path} is a folder; use list_files`);
    await assertStillInside(root, folder, path);
    kept = folder;
    return { handle: folder, names: walked };
  } finally {
    if (kept !== folder) await folder.close();
  }
}

/** The second lock: where the kernel says the descriptor is now must be inside the root. */
async function assertStillInside(root: string, handle: FileHandle, path: string): Promise<void> {
  if (!isInside(root, await readlink(fdPath(handle))))
    throw new FileAccessError(`${path} leads outside the served folder`);
}
