import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, runCli } from './cli-process.js';

describe('tool errors and logs name paths relative to the root', () => {
  let root: string;
  let server: CliProcess;
  let id = 0;

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'file-server-error-paths-')));
    await writeFile(join(root, 'a.txt'), 'a file, not a folder');
    server = await runCli(['--port', '0', '--root', root]);
  });
  afterAll(async () => {
    server.child.kill('SIGKILL');
    await server.exited;
    await rm(root, { recursive: true, force: true });
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    id += 1;
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server.tokens.readWrite}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name, arguments: args },
      }),
    });
    return response.text();
  };

  const long = 'n'.repeat(300);
  const failing: Array<[string, Record<string, unknown>]> = [
    ['write_file', { path: `${long}.txt`, content: 'x' }],
    ['write_file', { path: `folder/${long}/x.txt`, content: 'x', createFolders: true }],
    ['write_file', { path: 'a.txt/b/c.txt', content: 'x', createFolders: true }],
    ['write_file', { path: 'a.txt/c.txt', content: 'x' }],
    ['read_file', { path: `${long}.txt` }],
    ['read_file', { path: 'a.txt/c.txt' }],
    ['list_files', { path: long }],
    ['list_files', { path: 'a.txt' }],
  ];

  it.each(failing)('%s %j fails without naming the root', async (name, args) => {
    const body = await call(name, args);
    expect(body).toMatch(/"isError":true/);
    expect(body).not.toContain(root);
    expect(body).not.toContain('/proc/self/fd');
  });

  it('logged nothing with the root in it', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.output.stderr).toMatch(/tool handler threw/);
    expect(server.output.stderr).not.toContain(root);
    expect(server.output.stderr).not.toContain('/proc/self/fd');
  });
});
