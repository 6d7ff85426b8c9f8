import { link, mkdir, symlink } from 'node:fs/promises';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, OUTSIDE_SECRET, startAttackTarget } from './attack-target.js';
import { mcpHeaders, post, rpcError } from './json-rpc-http.js';
import { listenUnixSocket, mkfifo } from './special-files.js';

type Tool = 'read_file' | 'write_file' | 'list_files';

/** How a file attack must end: a tool error with this text, or an HTTP refusal before the tool. */
type FileOutcome = { toolError: string } | { status: 403; missing: string };

interface FileCase {
  id: string;
  attack: string;
  tool: Tool;
  args: Record<string, unknown>;
  /** Which printed token: read-write unless said. */
  token?: 'readOnly' | 'readWrite' | 'writeOnly' | 'readOnlyNoList';
  expected: FileOutcome;
}

const ABSOLUTE = 'absolute paths are not accepted: paths are relative to the served folder';
const HARD_LINKED =
  'hard-secret.txt has other hard links (one may be outside the served folder); it is not read or written';
const LONG_NAME = `${'n'.repeat(5000)}.txt`;
const leadsOut = (path: string) =>
  `${path} leads outside the served folder (through a symbolic link)`;
const write = (path: string, extra: Record<string, unknown> = {}) => ({
  path,
  content: 'pwned',
  ...extra,
});

const CASES: FileCase[] = [
  {
    id: 'F-01',
    attack: '.. out of the folder',
    tool: 'read_file',
    args: { path: '../outside/secret.txt' },
    expected: { toolError: '../outside/secret.txt is outside the served folder' },
  },
  {
    id: 'F-02',
    attack: 'many .. to /etc/passwd',
    tool: 'read_file',
    args: { path: '../../../../../../etc/passwd' },
    expected: { toolError: '../../../../../../etc/passwd is outside the served folder' },
  },
  {
    id: 'F-03',
    attack: 'an absolute path',
    tool: 'read_file',
    args: { path: '/etc/passwd' },
    expected: { toolError: ABSOLUTE },
  },
  {
    id: 'F-04',
    attack: '.. after a real folder',
    tool: 'read_file',
    args: { path: 'notes/../../outside/secret.txt' },
    expected: { toolError: 'notes/../../outside/secret.txt is outside the served folder' },
  },
  {
    id: 'F-05',
    attack: 'backslashes',
    tool: 'read_file',
    args: { path: '..\\outside\\secret.txt' },
    expected: { toolError: 'the path contains a backslash; use / between folders' },
  },
  {
    id: 'F-06',
    attack: 'a NUL byte',
    tool: 'read_file',
    args: { path: 'notes/canary.txt\u0000.png' },
    expected: { toolError: 'the path contains a NUL byte' },
  },
  {
    id: 'F-07',
    attack: 'an empty path',
    tool: 'read_file',
    args: { path: '' },
    expected: { toolError: 'the path is empty' },
  },
  {
    id: 'F-08',
    attack: 'a drive-letter path',
    tool: 'read_file',
    args: { path: 'C:/Windows/win.ini' },
    expected: { toolError: ABSOLUTE },
  },
  {
    id: 'F-09',
    attack: 'URL-encoded dots are names, not ..',
    tool: 'read_file',
    args: { path: '%2e%2e/outside/secret.txt' },
    expected: { toolError: '%2e%2e/outside/secret.txt does not exist' },
  },
  {
    id: 'F-10',
    attack: 'a write out of the folder',
    tool: 'write_file',
    args: write('../outside/pwned.txt'),
    expected: { toolError: '../outside/pwned.txt is outside the served folder' },
  },
  {
    id: 'F-11',
    attack: 'a write creating folders out of the folder',
    tool: 'write_file',
    args: write('../outside/new/pwned.txt', { createFolders: true }),
    expected: { toolError: '../outside/new/pwned.txt is outside the served folder' },
  },
  {
    id: 'F-12',
    attack: 'a listing of ..',
    tool: 'list_files',
    args: { path: '..' },
    expected: { toolError: '.. is outside the served folder' },
  },
  {
    id: 'F-13',
    attack: 'a symlink to a file outside',
    tool: 'read_file',
    args: { path: 'link-to-secret' },
    expected: { toolError: leadsOut('link-to-secret') },
  },
  {
    id: 'F-14',
    attack: 'a symlink to a folder outside',
    tool: 'read_file',
    args: { path: 'link-to-outside/secret.txt' },
    expected: { toolError: leadsOut('link-to-outside/secret.txt') },
  },
  {
    id: 'F-15',
    attack: 'a relative symlink climbing out from a subfolder',
    tool: 'read_file',
    args: { path: 'notes/up/secret.txt' },
    expected: { toolError: leadsOut('notes/up/secret.txt') },
  },
  {
    id: 'F-16',
    attack: 'a symlink to /etc',
    tool: 'read_file',
    args: { path: 'etc/passwd' },
    expected: { toolError: leadsOut('etc/passwd') },
  },
  {
    id: 'F-17',
    attack: 'a symlink to /proc/self/environ',
    tool: 'read_file',
    args: { path: 'environ' },
    expected: { toolError: leadsOut('environ') },
  },
  {
    id: 'F-18',
    attack: 'a write through a symlink to a file outside',
    tool: 'write_file',
    args: write('link-to-secret'),
    expected: { toolError: 'link-to-secret is a symbolic link; it is not written through' },
  },
  {
    id: 'F-19',
    attack: 'a write through a symlink to a folder outside',
    tool: 'write_file',
    args: write('link-to-outside/pwned.txt'),
    expected: { toolError: leadsOut('link-to-outside/pwned.txt') },
  },
  {
    id: 'F-20',
    attack: 'a listing through a symlink to a folder outside',
    tool: 'list_files',
    args: { path: 'link-to-outside' },
    expected: { toolError: leadsOut('link-to-outside') },
  },
  {
    id: 'F-21',
    attack: 'a hard link to a file outside',
    tool: 'read_file',
    args: { path: 'hard-secret.txt' },
    expected: { toolError: HARD_LINKED },
  },
  {
    id: 'F-22',
    attack: 'a write over a hard link to a file outside',
    tool: 'write_file',
    args: write('hard-secret.txt'),
    expected: { toolError: HARD_LINKED },
  },
  {
    id: 'F-23',
    attack: 'a FIFO (reading it would block)',
    tool: 'read_file',
    args: { path: 'fifo' },
    expected: { toolError: 'fifo is not a regular file' },
  },
  {
    id: 'F-24',
    attack: 'a unix socket',
    tool: 'read_file',
    args: { path: 'socket' },
    expected: { toolError: 'socket is not a regular file' },
  },
  {
    id: 'F-25',
    attack: 'a write over a FIFO',
    tool: 'write_file',
    args: write('fifo'),
    expected: { toolError: 'fifo is not a regular file' },
  },
  {
    id: 'F-26',
    attack: "the server's temporary file names",
    tool: 'read_file',
    args: { path: '.portcullis-write-0.tmp' },
    expected: { toolError: '.portcullis-write-0.tmp does not exist' },
  },
  {
    id: 'F-27',
    attack: 'a write of 16 MiB + 1 byte',
    tool: 'write_file',
    args: write('big.txt', { content: 'a'.repeat((16 << 20) + 1) }),
    expected: { toolError: 'the content is 16777217 bytes; at most 16777216 are accepted' },
  },
  {
    id: 'F-28',
    attack: 'a read of 2 MiB at once',
    tool: 'read_file',
    args: { path: 'notes/canary.txt', length: 2 << 20 },
    expected: {
      toolError:
        'Invalid arguments for tool read_file: length: Too big: expected number to be <=1048576',
    },
  },
  {
    id: 'F-29',
    attack: 'a name of 5,000 characters',
    tool: 'write_file',
    args: write(LONG_NAME),
    expected: { toolError: `${LONG_NAME} cannot be used: a name in it is too long` },
  },
  {
    id: 'F-30',
    attack: 'write_file under a read-only token',
    tool: 'write_file',
    args: write('pwned.txt'),
    token: 'readOnly',
    expected: { status: 403, missing: 'files:write' },
  },
  {
    id: 'F-31',
    attack: 'read_file under a write-only token',
    tool: 'read_file',
    args: { path: 'notes/canary.txt' },
    token: 'writeOnly',
    expected: { status: 403, missing: 'files:read' },
  },
  {
    id: 'F-32',
    attack: 'list_files under a token without files:list',
    tool: 'list_files',
    args: {},
    token: 'readOnlyNoList',
    expected: { status: 403, missing: 'files:list' },
  },
];

describe('file tool attacks (F-…)', () => {
  let target: AttackTarget;
  let socket: Server;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    target = await startAttackTarget(['--rate-limit', 'off']);
    const { root, outside } = target;
    await symlink(join(outside, 'secret.txt'), join(root, 'link-to-secret'));
    await symlink(outside, join(root, 'link-to-outside'));
    await symlink('../../outside', join(root, 'notes', 'up'));
    await symlink('/etc', join(root, 'etc'));
    await symlink('/proc/self/environ', join(root, 'environ'));
    await link(join(outside, 'secret.txt'), join(root, 'hard-secret.txt'));
    await mkfifo(join(root, 'fifo'));
    socket = await listenUnixSocket(join(root, 'socket'));
    await mkdir(join(root, 'empty'));
    tokens.readOnly = target.tokens.readOnly;
    tokens.readWrite = target.tokens.readWrite;
    tokens.writeOnly = await target.mint({ scopes: ['files:write'] });
    tokens.readOnlyNoList = await target.mint({ scopes: ['files:read'] });
  });
  afterAll(async () => {
    socket?.close();
    await target?.close();
  });

  it.each(CASES)('$id $attack ($tool)', async ({ tool, args, token = 'readWrite', expected }) => {
    await target.unharmed(
      async () => {
        const answer = await post(
          target.server.url,
          { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args } },
          mcpHeaders(tokens[token]),
        );
        expect(answer.text).not.toContain(OUTSIDE_SECRET);
        expect(answer.text).not.toContain(target.root);
        const result = (
          answer.body as { result?: { isError?: boolean; content: Array<{ text: string }> } }
        ).result;
        const got: FileOutcome =
          answer.status === 403
            ? {
                status: 403,
                missing: (
                  (rpcError(answer.body).data as { required_scopes: string[] }).required_scopes ??
                  []
                ).join(' '),
              }
            : {
                toolError: result?.isError
                  ? result.content[0]!.text
                  : `not an error: ${answer.text.slice(0, 200)}`,
              };
        expect(got).toEqual(expected);
      },
      // A refused call runs nothing; a path refused by the tool is a handler that failed.
      { tools: 'status' in expected ? 'none' : 'failed' },
    );
  });
});
