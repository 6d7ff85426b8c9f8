import { randomUUID } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

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

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces the file at `target` with `data` so that, whatever happens (a crash, `kill -9`), the
 * path holds either the old content or the new one, never a part: the data goes to a temporary
 * file in the same folder, is flushed to disk, then renamed over the target, and the folder is
 * flushed. Writes to one path are serialized, so they never interleave.
 */
export function writeFileAtomically(target: string, data: Uint8Array): Promise<void> {
  return serialize(target, async () => {
    const temporary = join(dirname(target), `.portcullis-write-${randomUUID()}.tmp`);
    try {
      const handle = await open(temporary, 'wx', 0o644);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    await syncFolder(dirname(target));
  });
}
