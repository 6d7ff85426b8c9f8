import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A digest of everything under `dir`: each entry's relative name, type, mode, link count and
 * content (or link target). Two equal digests mean nothing was created, removed or changed.
 */
export async function treeDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (relative: string) => {
    const names = (await readdir(join(dir, relative))).sort();
    for (const name of names) {
      const path = join(relative, name);
      const stats = await lstat(join(dir, path));
      hash.update(`${path}\0${stats.mode}\0${stats.nlink}\0${stats.size}\0`);
      if (stats.isSymbolicLink()) hash.update(await readlink(join(dir, path)));
      else if (stats.isFile()) hash.update(await readFile(join(dir, path)));
      else if (stats.isDirectory()) await walk(path);
      hash.update('\n');
    }
  };
  await walk('.');
  return hash.digest('hex');
}
