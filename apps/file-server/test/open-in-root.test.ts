import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInRoot } from '../src/open-in-root.js';

/**
 * The sandbox's walk, pinned layer by layer: a folder moved out of the root while the walk is
 * inside it (made to happen at the walk's own seam, between opening a folder and looking up
 * the next name, instead of by chance), and names that must never reach the walk at all.
 */
describe('openInRoot: the descriptor must still be inside the root, and nothing is created outside', () => {
  let base: string;
  let root: string;
  let outside: string;

  beforeEach(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'open-in-root-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(join(root, 'a', 'b'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(root, 'a', 'b', 'note.txt'), 'inside');
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  /** Moves `root/a` out of the root once the walk has opened `at` (names from the root). */
  const moveOutAt =
    (at: readonly string[]) =>
    async (walked: readonly string[]): Promise<void> => {
      if (walked.join('/') === at.join('/')) await rename(join(root, 'a'), join(outside, 'a'));
    };

  const file = { kind: 'file', missing: 'missing' } as const;
  const folder = { kind: 'folder', missing: 'missing', notFolder: 'not a folder' } as const;

  it('opens the file when nothing moves (the control)', async () => {
    const opened = await openInRoot(root, ['a', 'b', 'note.txt'], 'a/b/note.txt', {
      ...file,
      onFolderOpened: () => {},
    });
    try {
      expect(opened.names).toEqual(['a', 'b', 'note.txt']);
      expect(await opened.handle.readFile('utf8')).toBe('inside');
    } finally {
      await opened.handle.close();
    }
  });

  it('F-33 refuses a file whose folder was moved out of the root between the walk and the open', async () => {
    await expect(
      openInRoot(root, ['a', 'b', 'note.txt'], 'a/b/note.txt', {
        ...file,
        onFolderOpened: moveOutAt(['a', 'b']),
      }),
    ).rejects.toThrow('a/b/note.txt leads outside the served folder');
    // The rename did happen: the file now lives outside, where the walk's descriptors lead.
    expect(existsSync(join(outside, 'a', 'b', 'note.txt'))).toBe(true);
  });

  it('F-33 refuses a folder moved out of the root once the walk reached it', async () => {
    await expect(
      openInRoot(root, ['a', 'b'], 'a/b', { ...folder, onFolderOpened: moveOutAt(['a', 'b']) }),
    ).rejects.toThrow('a/b leads outside the served folder');
  });

  it('F-33 creates no folder inside a folder moved out of the root', async () => {
    await expect(
      openInRoot(root, ['a', 'new', 'deeper'], 'a/new/deeper/p.txt', {
        ...folder,
        create: true,
        onFolderOpened: moveOutAt(['a']),
      }),
    ).rejects.toThrow('a/new/deeper/p.txt leads outside the served folder');
    expect(await readdir(join(outside, 'a'))).toEqual(['b']);
  });

  it.each([
    ['an unfolded ..', ['..', 'outside', 'new']],
    ['a name holding ..', ['a/../..', 'outside', 'new']],
    ['a name holding a slash', ['a/b', 'new']],
    ['.', ['.', 'new']],
    ['an empty name', ['', 'new']],
  ])(
    'F-34 refuses %s before creating anything (the caller forgot to fold it)',
    async (_, names) => {
      await expect(
        openInRoot(root, names, '../outside/new/p.txt', { ...folder, create: true }),
      ).rejects.toThrow('../outside/new/p.txt is outside the served folder');
      expect(await readdir(outside)).toEqual([]);
      expect(existsSync(join(base, 'new'))).toBe(false);
      expect((await readdir(root)).sort()).toEqual(['a']);
      expect(await readdir(join(root, 'a'))).toEqual(['b']);
    },
  );
});
