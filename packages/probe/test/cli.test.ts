import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../src/index.js';
import { type FileServerTarget, startFileServerTarget } from './file-server-fixture.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** Runs the command from its TypeScript source, as a child process, to its exit. */
function probe(args: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ['--conditions=@portcullis/source', '--import', 'tsx', cli, ...args],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { PATH: process.env.PATH ?? '', ...env },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('the portcullis-probe command', () => {
  let target: FileServerTarget;
  let folder: string;

  beforeAll(async () => {
    target = await startFileServerTarget();
    folder = await mkdtemp(join(tmpdir(), 'probe-cli-'));
  });
  afterAll(async () => {
    await target?.close();
    await rm(folder, { recursive: true, force: true });
  });

  const tokenEnv = () => ({
    PORTCULLIS_PROBE_TOKEN: target.probeOptions.tokens!.token!,
    PORTCULLIS_PROBE_BROAD_TOKEN: target.probeOptions.tokens!.broadToken!,
  });

  it('exits 0 against the file server, with a plain report when stdout is not a terminal, and JUnit XML', async () => {
    const junit = join(folder, 'probe.xml');
    const run = await probe(
      [target.server.url, '--websocket', target.server.websocketUrl, '--junit', junit],
      tokenEnv(),
    );
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).toMatch(/eras served: 2026-07-28, 2025-11-25 \(initialize\)/);
    expect(run.stdout).toMatch(/PASS challenge\.no-token/);
    for (const token of Object.values(tokenEnv())) expect(run.stdout).not.toContain(token);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain(`tests="${CHECK_IDS.length}" failures="0"`);
    expect(xml).toContain('<skipped message="no expired token given (--expired-token)"/>');
  });

  it('--json with --only runs just those checks; --skip leaves them out', async () => {
    const only = await probe([
      target.server.url,
      '--json',
      '--only',
      'challenge.no-token,metadata.resource',
    ]);
    expect(only.code).toBe(0);
    const report = JSON.parse(only.stdout);
    expect(report.results.map((result: { id: string }) => result.id)).toEqual([
      'metadata.resource',
      'challenge.no-token',
    ]);
    const skipped = JSON.parse(
      (await probe([target.server.url, '--json', '--skip', 'challenge.no-token'])).stdout,
    );
    expect(skipped.results.map((result: { id: string }) => result.id)).not.toContain(
      'challenge.no-token',
    );
  });

  it('exits 1 when a check fails: a server that lists its tools to anyone', async () => {
    const open = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}');
    });
    await new Promise<void>((resolve) => open.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(open.address() as AddressInfo).port}/mcp`;
      const run = await probe([url, '--only', 'challenge.no-token-list']);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/FAIL challenge\.no-token-list/);
    } finally {
      open.close();
    }
  });

  it('exits 2 on bad usage, naming the problem', async () => {
    const unknown = await probe([target.server.url, '--only', 'no.such-check']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown check id no.such-check');
    const noUrl = await probe([]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('give the MCP endpoint');
  });

  it('stops at the request budget', async () => {
    const run = await probe([target.server.url, '--json', '--max-requests', '3'], tokenEnv());
    const report = JSON.parse(run.stdout);
    expect(report.requests).toBe(3);
    expect(
      report.results.some((result: { summary: string }) =>
        /request budget of 3 is spent/.test(result.summary),
      ),
    ).toBe(true);
    expect(run.code).toBe(1);
  });
});
