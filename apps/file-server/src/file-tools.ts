import { type FileHandle, lstat, readdir } from 'node:fs/promises';
import { defineTool } from '@portcullis/core';
import { z } from 'zod';
import { writeFileAtomically } from './atomic-write.js';
import { FileAccessError } from './file-access-error.js';
import { toFileAccessError } from './file-error.js';
import { assertPlainFile, openInRoot } from './open-in-root.js';
import type { prepareRoot } from './prepare-root.js';
import { fdPath } from './proc-fd.js';
import { displayPath, parsePath, TEMPORARY_FILE } from './safe-path.js';

/** Limits of the file tools. */
export interface FileToolLimits {
  /** Most bytes one read_file call returns. */
  maxReadBytes: number;
  /** Largest file write_file accepts. */
  maxWriteBytes: number;
  /** Most entries one list_files call returns. */
  maxListEntries: number;
}

const encoding = z
  .enum(['utf8', 'base64'])
  .default('utf8')
  .describe('utf8 for text (refused when the bytes are not valid UTF-8), base64 for any bytes');

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Runs a tool's work on the caller's `path`; any failure becomes a tool error naming `path` only. */
async function onPath<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toFileAccessError(path, error);
  }
}

/** Refuses to replace a link, a folder, a special file or a hard-linked file. */
async function assertReplaceable(folder: FileHandle, name: string, path: string): Promise<void> {
  const info = await lstat(fdPath(folder, name)).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info) return;
  if (info.isSymbolicLink())
    throw new FileAccessError(`${path} is a symbolic link; it is not written through`);
  if (info.isDirectory()) throw new FileAccessError(`${path} is a folder`);
  assertPlainFile(info, path);
}

/**
 * The three tools of the file server, each under one scope, working inside `root` only (a real
 * path, as {@link prepareRoot} returns it; on Linux, see {@link openInRoot}).
 */
export function createFileTools(root: string, limits: FileToolLimits) {
  const readFile = defineTool({
    name: 'read_file',
    title: 'Read a file',
    description: `Read a file under the served folder. Returns at most ${limits.maxReadBytes} bytes per call; use offset and length to read a large file in parts. Text is returned as UTF-8; binary files must be read with encoding "base64".`,
    scopes: ['files:read'],
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: z.object({
      path: z.string().describe('Path relative to the served folder, e.g. notes/todo.md'),
      offset: z.number().int().min(0).default(0).describe('First byte to read'),
      length: z
        .number()
        .int()
        .min(1)
        .max(limits.maxReadBytes)
        .optional()
        .describe(`Bytes to read (at most ${limits.maxReadBytes})`),
      encoding,
    }),
    output: z.object({
      path: z.string(),
      size: z.number(),
      offset: z.number(),
      length: z.number(),
      encoding: z.enum(['utf8', 'base64']),
      eof: z.boolean(),
      content: z.string(),
    }),
    handler: (args) =>
      onPath(args.path, async () => {
        const { handle, names } = await openInRoot(root, parsePath(args.path), args.path, {
          kind: 'file',
          missing: `${args.path} does not exist`,
        });
        try {
          const info = await handle.stat();
          const length = Math.max(
            0,
            Math.min(args.length ?? limits.maxReadBytes, info.size - args.offset),
          );
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, args.offset);
          const bytes = buffer.subarray(0, bytesRead);
          let content: string;
          if (args.encoding === 'base64') {
            content = bytes.toString('base64');
          } else {
            try {
              content = strictUtf8.decode(bytes);
            } catch {
              throw new FileAccessError(
                `${args.path} is not UTF-8 text in this range; read it with encoding "base64"`,
              );
            }
          }
          const result = {
            path: displayPath(names),
            size: info.size,
            offset: args.offset,
            length: bytesRead,
            encoding: args.encoding,
            eof: args.offset + bytesRead >= info.size,
            content,
          };
          return { content: [{ type: 'text', text: content }], structuredContent: result };
        } finally {
          await handle.close();
        }
      }),
  });

  const writeFile = defineTool({
    name: 'write_file',
    title: 'Write a file',
    description: `Create or replace a file under the served folder, atomically: readers see the old content or the new, never a part. At most ${limits.maxWriteBytes} bytes.`,
    scopes: ['files:write'],
    annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false },
    input: z.object({
      path: z.string().describe('Path relative to the served folder'),
      content: z.string().describe('The new content, as text or base64 (see encoding)'),
      encoding,
      createFolders: z.boolean().default(false).describe('Create missing folders on the way'),
    }),
    output: z.object({ path: z.string(), bytes: z.number() }),
    handler: async (args) => {
      const data =
        args.encoding === 'base64'
          ? Buffer.from(args.content, 'base64')
          : Buffer.from(args.content, 'utf8');
      if (data.length > limits.maxWriteBytes) {
        throw new FileAccessError(
          `the content is ${data.length} bytes; at most ${limits.maxWriteBytes} are accepted`,
        );
      }
      return onPath(args.path, async () => {
        const names = parsePath(args.path);
        const name = names.at(-1);
        if (name === undefined) throw new FileAccessError(`${args.path} is a folder`);
        const folder = await openInRoot(root, names.slice(0, -1), args.path, {
          kind: 'folder',
          create: args.createFolders,
          missing: `the folder of ${args.path} does not exist (set createFolders to create it)`,
          notFolder: `the folder of ${args.path} is not a folder`,
        });
        try {
          await assertReplaceable(folder.handle, name, args.path);
          await writeFileAtomically(folder.handle, name, data);
        } finally {
          await folder.handle.close();
        }
        const result = { path: displayPath([...folder.names, name]), bytes: data.length };
        return {
          content: [
            { type: 'text' as const, text: `wrote ${result.bytes} bytes to ${result.path}` },
          ],
          structuredContent: result,
        };
      });
    },
  });

  const entryType = (entry: {
    isFile(): boolean;
    isDirectory(): boolean;
    isSymbolicLink(): boolean;
  }) =>
    entry.isSymbolicLink()
      ? 'symlink'
      : entry.isDirectory()
        ? 'directory'
        : entry.isFile()
          ? 'file'
          : 'other';

  const listFiles = defineTool({
    name: 'list_files',
    title: 'List a folder',
    description: `List the entries of a folder under the served folder, with type, size and modification time (at most ${limits.maxListEntries}). Symbolic links are shown, not followed.`,
    scopes: ['files:list'],
    annotations: { readOnlyHint: true, openWorldHint: false },
    input: z.object({
      path: z
        .string()
        .default('.')
        .describe('Folder relative to the served folder; . is the served folder itself'),
    }),
    output: z.object({
      path: z.string(),
      entries: z.array(
        z.object({
          name: z.string(),
          type: z.enum(['file', 'directory', 'symlink', 'other']),
          size: z.number(),
          modified: z.string(),
        }),
      ),
      truncated: z.boolean(),
    }),
    handler: (args) =>
      onPath(args.path, async () => {
        const folder = await openInRoot(root, parsePath(args.path), args.path, {
          kind: 'folder',
          missing: `${args.path} does not exist`,
          notFolder: `${args.path} is not a folder`,
        });
        try {
          const names = (await readdir(fdPath(folder.handle), { withFileTypes: true })).filter(
            (entry) => !TEMPORARY_FILE.test(entry.name),
          );
          names.sort((a, b) => a.name.localeCompare(b.name));
          const shown = names.slice(0, limits.maxListEntries);
          const entries = await Promise.all(
            shown.map(async (entry) => {
              const info = await lstat(fdPath(folder.handle, entry.name)).catch(() => undefined);
              return {
                name: entry.name,
                type: entryType(entry) as 'file' | 'directory' | 'symlink' | 'other',
                size: entry.isFile() ? (info?.size ?? 0) : 0,
                modified: info ? info.mtime.toISOString() : '',
              };
            }),
          );
          const result = {
            path: displayPath(folder.names),
            entries,
            truncated: names.length > shown.length,
          };
          const lines = entries.map(
            (entry) =>
              `${entry.type.padEnd(9)} ${String(entry.size).padStart(10)}  ${entry.name}${entry.type === 'directory' ? '/' : ''}`,
          );
          return {
            content: [{ type: 'text' as const, text: lines.join('\n') || '(empty folder)' }],
            structuredContent: result,
          };
        } finally {
          await folder.handle.close();
        }
      }),
  });

  return [readFile, writeFile, listFiles];
}
