import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFileServerCli } from './file-server-process.js';
import { type StaticIssuer, startStaticIssuer } from './static-issuer.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * A test process that starts two file servers (one of them then stopped with SIGSTOP, as the
 * kill test leaves them between steps), prints their pids, and waits to be killed.
 */
const WORKER = `
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFileServerProcess } from ${JSON.stringify(join(HERE, 'file-server-process.ts'))};
const [bundle, issuer, jwksUri] = process.argv.slice(-3);
const start = async () =>
  startFileServerProcess(
    ['--port', '0', '--root', await mkdtemp(join(tmpdir(), 'security-orphan-')), '--issuer', issuer,
     '--jwks-uri', jwksUri, '--rate-limit', 'off'],
    { bundle },
  );
const [running, stopped] = await Promise.all([start(), start()]);
process.kill(stopped.child.pid, 'SIGSTOP');
process.stdout.write(JSON.stringify([running.child.pid, stopped.child.pid]) + '\\n');
setInterval(() => {}, 60_000);
`;

/** Whether `pid` is a live process (a zombie awaiting its reaper counts as gone). */
const alive = (pid: number) => {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat[stat.lastIndexOf(')') + 2] !== 'Z';
};

describe('file servers started by a test never outlive it', () => {
  let bundle: string;
  let issuer: StaticIssuer;
  beforeAll(async () => {
    [bundle, issuer] = await Promise.all([bundleFileServerCli(), startStaticIssuer()]);
  });
  afterAll(async () => {
    await issuer?.close();
    if (bundle) await rm(dirname(bundle), { recursive: true, force: true });
  });

  it('even when the test process is killed with SIGKILL, its running and stopped servers exit', async () => {
    const worker = spawn(
      process.execPath,
      [
        '--conditions=@portcullis/source',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        WORKER,
        bundle,
        issuer.issuer,
        issuer.jwksUri,
      ],
      { cwd: HERE, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    const pids = await new Promise<number[]>((resolve, reject) => {
      worker.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
      });
      worker.once('exit', (code) => reject(new Error(`the worker exited with ${code}`)));
    });
    expect(pids.every(alive)).toBe(true);
    const exited = once(worker, 'exit');
    worker.kill('SIGKILL');
    await exited;
    // No handler of the worker ran: its reaper saw its pipe end and killed both groups, the
    // stopped one included. Not children of this process, they are looked at until gone.
    while (pids.some(alive)) await new Promise((resolve) => setTimeout(resolve, 20));
  });
});
