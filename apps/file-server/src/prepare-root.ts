import { constants } from 'node:fs';
import { access, mkdir, realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { assertSafeOpenSupported } from './proc-fd.js';
import { type CleanUpReport, removeStaleTemporaryFiles } from './temporary-files.js';

/**
 * Creates the served folder if missing and checks it can be read and written, and opened without
 * races on this system (Linux `/proc/self/fd`); removes the temporary files that interrupted
 * writes of processes now gone left in it, and tells `onCleanUp` what it did (names relative to
 * the folder); returns its real path.
 */
export async function prepareRoot(
  root: string,
  onCleanUp?: (report: CleanUpReport) => void,
): Promise<string> {
  const absolute = resolve(root);
  const existing = await stat(absolute).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new Error(`${absolute} is not a folder`);
  if (!existing) {
    try {
      await mkdir(absolute, { recursive: true });
    } catch (error) {
      throw new Error(
        `the folder ${absolute} cannot be created: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  try {
    await access(absolute, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    throw new Error(`the folder ${absolute} cannot be read and written by this user`);
  }
  const real = await realpath(absolute);
  await assertSafeOpenSupported(real);
  const report = await removeStaleTemporaryFiles(real);
  onCleanUp?.(report);
  return real;
}
