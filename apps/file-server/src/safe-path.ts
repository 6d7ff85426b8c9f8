import { isAbsolute, posix } from 'node:path';
import { FileAccessError } from './file-access-error.js';

/**
 * Names of the temporary files of atomic writes (`.portcullis-write-PID-START-TAG-UUID.tmp`, and
 * the earlier `.portcullis-write-UUID.tmp`); hidden from listings and never addressable.
 */
export const TEMPORARY_FILE =
  /^\.portcullis-write-(?:\d{1,10}-\d{1,20}-[0-9a-f]{16}-)?[0-9a-f-]{36}\.tmp$/;

/**
 * Checks a caller's path without touching the disk and returns its names from the root, `.` and
 * `..` folded (`[]` is the root itself). Absolute paths, escapes, backslashes, NUL bytes and the
 * names of temporary files are refused.
 */
export function parsePath(path: unknown): string[] {
  if (typeof path !== 'string' || path.length === 0) throw new FileAccessError('the path is empty');
  if (path.includes('\0')) throw new FileAccessError('the path contains a NUL byte');
  if (path.includes('\\'))
    throw new FileAccessError('the path contains a backslash; use / between folders');
  if (isAbsolute(path) || /^[a-zA-Z]:/.test(path)) {
    throw new FileAccessError(
      'absolute paths are not accepted: paths are relative to the served folder',
    );
  }
  const normalized = posix.normalize(path);
  if (normalized === '..' || normalized.startsWith('../'))
    throw new FileAccessError(`${path} is outside the served folder`);
  const names = normalized.split('/').filter((name) => name !== '' && name !== '.');
  if (names.some((name) => TEMPORARY_FILE.test(name)))
    throw new FileAccessError(`${path} does not exist`);
  return names;
}

/** What a caller sees of a path: its names from the root joined with `/`, or `.` for the root. */
export function displayPath(names: readonly string[]): string {
  return names.join('/') || '.';
}
