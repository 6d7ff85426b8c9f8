import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { FileAccessError } from './file-access-error.js';

/**
 * The path through which Linux reaches an open descriptor (and, with `name`, an entry of an open
 * folder). The kernel resolves `/proc/self/fd/N` to the object already opened, so a rename or a
 * link swapped in under the name it was opened by cannot redirect what comes after it.
 */
export function fdPath(handle: FileHandle, name?: string): string {
  return name === undefined ? `/proc/self/fd/${handle.fd}` : `/proc/self/fd/${handle.fd}/${name}`;
}

/** Flags that open a folder and nothing else, never through a link. */
export const OPEN_FOLDER = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

const UNSUPPORTED =
  'file access is refused: this system does not provide /proc/self/fd (Linux), which the file server needs to open paths without races';

/**
 * Opens the served folder (a real path) and checks that `/proc/self/fd` leads back to it, so
 * every later step can go through the descriptor; fails closed where `/proc` is missing
 * (macOS, Windows, the BSDs, a container without `/proc`).
 */
export async function openRoot(root: string): Promise<FileHandle> {
  if (process.platform !== 'linux') throw new FileAccessError(UNSUPPORTED);
  const handle = await open(root, OPEN_FOLDER);
  try {
    const [opened, reached] = await Promise.all([
      handle.stat({ bigint: true }),
      stat(fdPath(handle), { bigint: true }).catch(() => undefined),
    ]);
    if (!reached || reached.dev !== opened.dev || reached.ino !== opened.ino)
      throw new FileAccessError(UNSUPPORTED);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Checks at start that the served folder can be opened safely on this system. */
export async function assertSafeOpenSupported(root: string): Promise<void> {
  await (await openRoot(root)).close();
}
