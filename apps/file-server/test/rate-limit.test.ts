import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type CliProcess, runCli, runCliToExit } from './cli-process.js';

/** A raw 2025-era tools/call over HTTP with `token`, as a plain JSON client sends it. */
const call = (url: string, token: string, id: number) =>
  fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'list_files', arguments: {} },
    }),
  });

describe('the per-identity rate limit of the file server', () => {
  let root: string;
  const running: CliProcess[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-server-rate-'));
  });
  afterAll(async () => {
    for (const server of running) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await rm(root, { recursive: true, force: true });
  });

  it('is on by default', async () => {
    const { stdout } = await runCliToExit(['--help']);
    expect(stdout).toMatch(/--rate-limit VALUE\n.*\(default 600; env FILE_SERVER_RATE_LIMIT\)/);
  });

  it('counts the HTTP and WebSocket requests of one identity together', async () => {
    const server = await runCli(['--port', '0', '--root', root, '--rate-limit', '4']);
    running.push(server);
    const token = server.tokens.readOnly;
    const statuses: number[] = [];
    for (let id = 1; id <= 3; id += 1) statuses.push((await call(server.url, token, id)).status);
    expect(statuses).toEqual([200, 200, 200]);

    // The upgrade is the fourth request; the first call on the socket is over the limit.
    const socket = new WebSocket(server.websocketUrl, ['mcp'], {
      headers: { authorization: `Bearer ${token}` },
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const answer = new Promise<{ error?: { code: number; data?: { retryAfterSeconds?: number } } }>(
      (resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))),
    );
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'list_files' },
      }),
    );
    expect((await answer).error).toMatchObject({ code: -32000, data: { retryAfterSeconds: 15 } });
    socket.close();

    const limited = await call(server.url, token, 10);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('15');
  });

  it('is off with --rate-limit off, and a bad value is refused in one line', async () => {
    const server = await runCli(['--port', '0', '--root', root, '--rate-limit', 'off']);
    running.push(server);
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, id) => call(server.url, server.tokens.readOnly, id)),
    );
    expect(statuses.every((response) => response.status === 200)).toBe(true);

    const bad = await runCliToExit(['--port', '0', '--root', root, '--rate-limit', 'lots']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      '--rate-limit must be a whole number of requests per minute or off',
    );
  });
});
