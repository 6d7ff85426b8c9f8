import { FileAccessError } from './file-access-error.js';

const REASONS: Record<string, string> = {
  ENOENT: 'does not exist',
  ENAMETOOLONG: 'cannot be used: a name in it is too long',
  ENOTDIR: 'does not exist (a part of it is not a folder)',
  EISDIR: 'is a folder',
  ELOOP: 'cannot be resolved: too many symbolic links',
  EACCES: 'cannot be accessed: permission denied',
  EPERM: 'cannot be accessed: operation not permitted',
  EROFS: 'cannot be written: the file system is read-only',
  ENOSPC: 'cannot be written: no space left on the device',
  EDQUOT: 'cannot be written: the disk quota is exceeded',
  EMFILE: 'cannot be opened now: the server has too many open files; try again',
  ENFILE: 'cannot be opened now: the system has too many open files; try again',
  ENXIO: 'is not a regular file',
};

/**
 * The tool error for a failed file operation on the caller's `path`: a {@link FileAccessError}
 * passes through; any other error becomes a reason chosen by its code. The error's own message
 * (which names absolute server paths) is never shown.
 */
export function toFileAccessError(path: string, error: unknown): FileAccessError {
  if (error instanceof FileAccessError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code && REASONS[code]) ?? `cannot be accessed (${code ?? 'unexpected error'})`;
  return new FileAccessError(`${path} ${reason}`);
}
