import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Whether Debian's `redis-server` is on PATH (`.ci/run` installs it). */
export function hasRedisServer(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * A real `redis-server` on 127.0.0.1 without persistence, which can be stopped and started
 * again on its port, or frozen: alive, its connections open, answering nothing.
 */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the process with SIGSTOP and resolves once every one of its threads has stopped. */
  freeze(): Promise<void>;
  /** Continues a frozen process (SIGCONT). */
  thaw(): void;
}

/** Whether every thread of `pid` is stopped (state `T` in `/proc/PID/task/TID/stat`). */
export function allStopped(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const state = stat[stat.lastIndexOf(')') + 2];
    return state === 'T' || state === 't';
  });
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: RedisProcess = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const started = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = started;
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`redis-server did not start: ${output}`)),
          10_000,
        );
        started.stdout!.on('data', (chunk: Buffer) => {
          output += chunk;
          if (output.includes('Ready to accept connections')) {
            clearTimeout(timer);
            resolve();
          }
        });
        started.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server exited with ${code}: ${output}`));
        });
      });
      started.stdout!.resume();
      started.stderr!.resume();
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      running.kill('SIGKILL');
      await once(running, 'exit');
    },
    async freeze() {
      const pid = child!.pid!;
      process.kill(pid, 'SIGSTOP');
      // The signal is delivered asynchronously: look until each thread has taken it.
      while (!allStopped(pid)) await new Promise((resolve) => setImmediate(resolve));
    },
    thaw() {
      if (child?.pid) process.kill(child.pid, 'SIGCONT');
    },
  };
  await redis.start();
  return redis;
}
