import { randomBytes } from 'node:crypto';
import {
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A served folder with a sibling "outside" folder holding a secret, and every way out that a
 * folder can hold: relative and absolute symbolic links to the outside folder, to the secret
 * and to `/`, and a hard link to the secret.
 */
export interface SandboxFixture {
  /** The parent of both folders. */
  base: string;
  /** The served folder's real path. */
  root: string;
  outside: string;
  /** Text only the secret file holds; it must never come back. */
  secret: string;
  /** The name of the secret file: no generated path segment is this long. */
  secretName: string;
  /** What the outside folder must still hold: the names and contents, as set up. */
  outsideUnchanged(): Promise<boolean>;
  /** Names under the served folder, recursively, links not followed. */
  listRoot(): Promise<string[]>;
  remove(): Promise<void>;
}

/** Names in the served folder that lead out of it, for path generators. */
export const ESCAPE_NAMES = ['link-out', 'abs-link', 'file-link', 'root-link', 'hard.txt'];

/** Creates the fixture under the system's temporary folder. */
export async function createSandboxFixture(): Promise<SandboxFixture> {
  const base = await realpath(await mkdtemp(join(tmpdir(), 'security-sandbox-')));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  const secret = `OUTSIDE-SECRET-${randomBytes(12).toString('hex')}`;
  const secretName = 'the-outside-secret-file.txt';
  await mkdir(join(root, 'docs', 'deep'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, secretName), secret);
  await writeFile(join(root, 'docs', 'a.txt'), 'inside a');
  await writeFile(join(root, 'docs', 'deep', 'b.txt'), 'inside b');
  await symlink('../outside', join(root, 'link-out'));
  await symlink(outside, join(root, 'docs', 'abs-link'));
  await symlink(`../outside/${secretName}`, join(root, 'file-link'));
  await symlink('/', join(root, 'docs', 'root-link'));
  await link(join(outside, secretName), join(root, 'hard.txt'));

  const walk = async (folder: string, prefix: string): Promise<string[]> => {
    const names: string[] = [];
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      names.push(`${prefix}${entry.name}`);
      if (entry.isDirectory())
        names.push(...(await walk(join(folder, entry.name), `${prefix}${entry.name}/`)));
    }
    return names;
  };
  return {
    base,
    root,
    outside,
    secret,
    secretName,
    async outsideUnchanged() {
      const [baseNames, outsideNames, content] = await Promise.all([
        readdir(base),
        readdir(outside),
        readFile(join(outside, secretName), 'utf8'),
      ]);
      return (
        baseNames.sort().join() === 'outside,root' &&
        outsideNames.join() === secretName &&
        content === secret
      );
    },
    listRoot: () => walk(root, ''),
    remove: () => rm(base, { recursive: true, force: true }),
  };
}
