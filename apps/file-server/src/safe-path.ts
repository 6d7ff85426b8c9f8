import { constants, lstat, mkdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { FileAccessError } from './file-access-error.js';

/** Names of the temporary files of atomic writes; hidden from listings and never addressable. */
export const TEMPORARY_FILE = /^\.portcullis-write-[0-9a-f-]{36}\.tmp$/;

const isInside = (root: string, candidate: string) =>
  candidate === root || candidate.startsWith(`${root}${sep}`);

/** Checks a caller's path without touching the disk and resolves it under `root` (a real path). */
export function resolveLexically(root: string, path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) throw new FileAccessError('the path is empty');
  if (path.includes('\0')) throw new FileAccessError('the path contains a NUL byte');
  if (path.includes('\\'))
    throw new FileAccessError('the path contains a backslash; use / between folders');
  if (isAbsolute(path) || /^[a-zA-Z]:/.test(path)) {
    throw new FileAccessError(
      'absolute paths are not accepted: paths are relative to the served folder',
    );
  }
  const absolute = resolve(root, path);
  if (!isInside(root, absolute)) throw new FileAccessError(`${path} is outside the served folder`);
  if (absolute.split(sep).some((part) => TEMPORARY_FILE.test(part)))
    throw new FileAccessError(`${path} does not exist`);
  return absolute;
}

/** What a caller sees of a path: relative to the root, with `/`. */
export function displayPath(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join('/') || '.';
}

async function realInside(root: string, absolute: string, path: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new FileAccessError(`${path} does not exist`);
    throw new FileAccessError(`${path} cannot be accessed`);
  }
  if (!isInside(root, real))
    throw new FileAccessError(`${path} leads outside the served folder (through a symbolic link)`);
  return real;
}

/** Resolves a path to read: it must exist and, symbolic links followed, stay inside `root`. */
export function resolveForReading(root: string, path: unknown): Promise<string> {
  return realInside(root, resolveLexically(root, path), path as string);
}

/**
 * Resolves a path to write: its folder must exist (or be created, when asked, from an existing
 * ancestor that is inside `root`) and stay inside `root`; the file itself must not be a
 * symbolic link or a folder.
 */
export async function resolveForWriting(
  root: string,
  path: unknown,
  createFolders: boolean,
): Promise<string> {
  const absolute = resolveLexically(root, path);
  const folder = dirname(absolute);
  let ancestor = folder;
  while (true) {
    try {
      await lstat(ancestor);
      break;
    } catch {
      if (!createFolders)
        throw new FileAccessError(
          `the folder of ${path as string} does not exist (set createFolders to create it)`,
        );
      ancestor = dirname(ancestor);
    }
  }
  await realInside(root, ancestor, path as string);
  if (ancestor !== folder) await mkdir(folder, { recursive: true });
  const realFolder = await realInside(root, folder, path as string);
  const target = resolve(realFolder, absolute.slice(folder.length + 1));
  try {
    const stat = await lstat(target);
    if (stat.isSymbolicLink())
      throw new FileAccessError(`${path as string} is a symbolic link; it is not written through`);
    if (stat.isDirectory()) throw new FileAccessError(`${path as string} is a folder`);
  } catch (error) {
    if (error instanceof FileAccessError) throw error;
  }
  return target;
}

/** Flags for opening a resolved path: never follow a link swapped in after resolution. */
export const NO_FOLLOW = constants.O_NOFOLLOW;
