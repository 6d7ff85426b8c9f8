import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Whether `name` is on PATH (`.ci/run` installs redis-server and nginx). */
export function installed(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
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

/** Every process group started here and not yet seen to exit. */
const running = new Set<ChildProcess>();

/** Kills the whole group of `child` (it leads its own: see {@link spawnUntil}). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Gone already.
  }
}

// Whatever a test did or failed to do, nothing it started outlives this process: `exit`
// handlers run synchronously on every normal end, a failed `beforeAll` or a timeout included.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

/**
 * Spawns `command` in a process group of its own, so that it and anything it starts can be
 * killed together, and resolves once `ready` matches its output (stdout and stderr); kills it
 * when it does not start.
 */
async function spawnUntil(
  command: string,
  args: readonly string[],
  ready: RegExp,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(command, args, {
    ...options,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  // No clock: it started when it says so, or failed when it exits; the hook's timeout bounds
  // the wait on a machine too loaded to start it.
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (ready.test(output)) resolve();
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      reject(new Error(`${command} exited with ${code} at start: ${output.slice(-800)}`));
    });
  }).catch(async (error: unknown) => {
    await kill(child);
    throw error;
  });
  return { child, output: () => output };
}

/** Sends `signal` to the group of `child` and resolves once `child` has exited. */
async function kill(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  killGroup(child, signal);
  // A stopped process takes no signal but SIGKILL until it is continued.
  if (signal !== 'SIGKILL') killGroup(child, 'SIGCONT');
  await exited;
}

/** Whether every thread of `pid` is stopped (state `T` in `/proc/PID/task/TID/stat`). */
function allStopped(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const state = stat[stat.lastIndexOf(')') + 2];
    return state === 'T' || state === 't';
  });
}

/**
 * A real redis-server on 127.0.0.1 without persistence; it can be stopped and started again on
 * its port, or frozen: alive, its connections open, answering nothing.
 */
export interface RedisServer {
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the process with SIGSTOP and resolves once every one of its threads has stopped. */
  freeze(): Promise<void>;
  /** Continues a frozen process (SIGCONT). */
  thaw(): void;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      ({ child } = await spawnUntil(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        /Ready to accept connections/,
      ));
    },
    stop: () => kill(child),
    async freeze() {
      const pid = child!.pid!;
      process.kill(pid, 'SIGSTOP');
      // The signal is delivered asynchronously: look until each thread has taken it.
      while (!allStopped(pid)) await new Promise((resolve) => setImmediate(resolve));
    },
    thaw() {
      if (child) killGroup(child, 'SIGCONT');
    },
  };
  await redis.start();
  return redis;
}

/**
 * The `map` and `location` blocks of the nginx configuration docs/deployment.md prints, read
 * from the page: the tests run the proxy as the page tells readers to set it up.
 */
export async function documentedNginx(): Promise<{ map: string; location: string }> {
  const page = await readFile(new URL('../../../docs/deployment.md', import.meta.url), 'utf8');
  const config = /^```nginx\n([\s\S]*?)^```$/m.exec(page)?.[1] ?? '';
  const map = /^map [\s\S]*?^\}$/m.exec(config)?.[0];
  const location = /^ {2}location \/ \{[\s\S]*?^ {2}\}$/m.exec(config)?.[0];
  if (!map || !location) throw new Error('docs/deployment.md prints no nginx map and location');
  return { map, location };
}

/**
 * Debian's nginx on 127.0.0.1:`port`, round robin over `upstreams`, no sticky sessions, with
 * the `map` and `location` of docs/deployment.md.
 */
export async function startNginx(
  port: number,
  upstreams: readonly number[],
): Promise<{ stop(): Promise<void> }> {
  const documented = await documentedNginx();
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-nginx-'));
  // Workers may run as another user when started as root: they need the temp folders.
  await chmod(dir, 0o777);
  for (const name of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    await mkdir(join(dir, name), { mode: 0o777 });
  const config = `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${documented.map}
  upstream file_servers {
${upstreams.map((upstream) => `    server 127.0.0.1:${upstream} max_fails=1 fail_timeout=5s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 32m;
${documented.location.replace('http://portcullis', 'http://file_servers')}
  }
}
`;
  await writeFile(join(dir, 'nginx.conf'), config);
  const { child } = await spawnUntil(
    'nginx',
    ['-p', dir, '-c', join(dir, 'nginx.conf')],
    /start worker process/,
  );
  return { stop: () => kill(child, 'SIGTERM') };
}

const require = createRequire(import.meta.url);
/** The file server's CLI from its TypeScript source. */
const CLI = join(dirname(require.resolve('@portcullis/file-server/package.json')), 'src', 'cli.ts');

/** One file-server instance as a child process. */
export interface Instance {
  readonly port: number;
  /** Its own MCP endpoint, bypassing the load balancer. */
  readonly directUrl: string;
  /** Where to send a request to this instance alone (see `Target`). */
  direct(resource: string): { url: string; host: string };
  /** Lines of its request log with `"path":"/mcp"`. */
  mcpRequests(): number;
  kill(): Promise<void>;
}

export async function startInstance(port: number, args: readonly string[]): Promise<Instance> {
  const { child, output } = await spawnUntil(
    process.execPath,
    ['--conditions=@portcullis/source', '--import', 'tsx', CLI, '--port', String(port), ...args],
    /MCP \(WebSocket\)\s+\S+\n/,
    {
      cwd: dirname(CLI),
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' },
    },
  );
  return {
    port,
    directUrl: `http://127.0.0.1:${port}/mcp`,
    direct: (resource) => ({ url: `http://127.0.0.1:${port}/mcp`, host: new URL(resource).host }),
    mcpRequests: () =>
      output()
        .split('\n')
        .filter((line) => line.includes('"path":"/mcp"')).length,
    kill: () => kill(child),
  };
}
