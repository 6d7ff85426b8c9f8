import { constants } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { fdPath } from './proc-fd.js';
import { temporaryFileName } from './temporary-files.js';

const queues = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task for the same `key` has finished. */
function serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(task, task);
  const settled = next.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

/** Creates a new file, never through a link and never over an existing name. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Replaces the entry `name` of the open `folder` with `data` so that, whatever happens (a crash,
 * `kill -9`), it holds either the old content or the new one, never a part: the data goes to a
 * temporary file in the same folder, is flushed to disk, then renamed over the target, and the
 * folder is flushed. Every step goes through the folder's descriptor (`/proc/self/fd/N/…`), so
 * the file is created and renamed in the folder that was checked, whatever happens to the names
 * leading to it. Writes to one entry are serialized, so they never interleave. The temporary
 * file's name carries this process ({@link temporaryFileName}), so one left by a crash is removed
 * at the next start and one a live server is writing never is.
 */
export async function writeFileAtomically(
  folder: FileHandle,
  name: string,
  data: Uint8Array,
): Promise<void> {
  const { dev, ino } = await folder.stat({ bigint: true });
  return serialize(`${dev}:${ino}/${name}`, async () => {
    const temporary = fdPath(folder, temporaryFileName());
    try {
      const handle = await open(temporary, CREATE_NEW, 0o644);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, fdPath(folder, name));
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    await folder.sync();
  });
}
