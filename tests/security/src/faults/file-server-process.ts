import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
/** The file server's CLI from its TypeScript source, found through the package's own export. */
const CLI = join(dirname(require.resolve('@portcullis/file-server/package.json')), 'src', 'cli.ts');

/**
 * Bundles the CLI once into one ES module (in a fresh temporary folder, whose path it returns)
 * with esbuild, the compiler tsx runs the sources through, under the same `@portcullis/source`
 * condition: the same code, started for about 0.2 s of CPU instead of about 0.85 s through tsx,
 * which matters for tests that start the server a hundred times.
 */
export async function bundleFileServerCli(): Promise<string> {
  const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild') as {
    build(options: Record<string, unknown>): Promise<unknown>;
  };
  const outfile = join(await mkdtemp(join(tmpdir(), 'security-cli-')), 'cli.mjs');
  await esbuild.build({
    entryPoints: [CLI],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@portcullis/source'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return outfile;
}

/**
 * A process of its own session that outlives whoever starts it: it reads the process group ids
 * of the file servers on its stdin (`-ID` when one exited), and when its stdin ends — the test
 * process ended, however: a SIGKILL of a test worker runs no handler — it kills every group
 * still listed. SIGKILL needs no SIGCONT, so servers stopped with SIGSTOP go too.
 */
const REAPER = `
const groups = new Set();
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\\n');
  buffered = lines.pop();
  for (const line of lines)
    if (line.startsWith('-')) groups.delete(line.slice(1));
    else groups.add(line);
});
process.stdin.on('end', () => {
  for (const group of groups) {
    try { process.kill(-Number(group), 'SIGKILL'); } catch {}
  }
});
`;

let reaper: ChildProcess | undefined;

/** Tells the reaper (started on first use) about a server's group, or that it is gone. */
function reap(line: string): void {
  if (!reaper) {
    reaper = spawn(process.execPath, ['-e', REAPER], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    // Neither the reaper nor the pipe to it keeps this process alive.
    reaper.unref();
    (reaper.stdin as unknown as { unref(): void }).unref();
  }
  reaper.stdin!.write(`${line}\n`);
}

/** Every child started here that has not exited yet. */
const live = new Set<ChildProcessWithoutNullStreams>();

/** Kills the process group `child` leads; nothing if it is gone. */
function killGroup(child: ChildProcessWithoutNullStreams): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/**
 * Kills every file server started by {@link startFileServerProcess} that is still running
 * (stopped ones too: SIGKILL needs no SIGCONT), and resolves once all have exited. For
 * `afterAll`: a failed test leaves nothing behind.
 */
export async function killFileServers(): Promise<void> {
  const exits = [...live].map((child) => once(child, 'close'));
  for (const child of live) killGroup(child);
  await Promise.all(exits);
}

/** A file server CLI running as a child process. */
export interface FileServerProcess {
  child: ChildProcessWithoutNullStreams;
  /** The MCP endpoint (Streamable HTTP), also the token audience. */
  url: string;
  websocketUrl: string;
  output: { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

/**
 * Starts the file server's CLI (`node --import tsx src/cli.ts`, as its own tests do, or the
 * bundle of {@link bundleFileServerCli} given as `bundle`) with `args`, and waits for its
 * banner. `nodeOptions` go before the script (`--expose-gc`, `--import` of a probe); `ipc` adds
 * an IPC channel.
 */
export async function startFileServerProcess(
  args: readonly string[],
  options: {
    nodeOptions?: readonly string[];
    ipc?: boolean;
    env?: Record<string, string>;
    bundle?: string;
  } = {},
): Promise<FileServerProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(options.bundle ? [] : ['--conditions=@portcullis/source', '--import', 'tsx']),
      ...(options.nodeOptions ?? []),
      options.bundle ?? CLI,
      ...args,
    ],
    {
      cwd: dirname(CLI),
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...options.env },
      stdio: options.ipc ? ['pipe', 'pipe', 'pipe', 'ipc'] : 'pipe',
      // Its own process group: killed as one, and out of reach of signals meant for this one.
      detached: true,
    },
  ) as ChildProcessWithoutNullStreams;
  live.add(child);
  reap(String(child.pid));
  const output = { stdout: '', stderr: '' };
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      live.delete(child);
      reap(`-${child.pid}`);
      resolve(code);
    }),
  );
  const started = new Promise<boolean>((resolve) => {
    child.stdout.on('data', (chunk) => {
      output.stdout += chunk;
      if (/MCP \(WebSocket\)\s+\S+\n/.test(output.stdout)) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  child.stderr.on('data', (chunk) => {
    output.stderr += chunk;
  });
  if (!(await started))
    throw new Error(`the file server exited at start: ${output.stderr.trim().slice(0, 500)}`);
  const field = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(output.stdout)?.[1] ?? '';
  return {
    child,
    url: field('MCP \\(HTTP\\)'),
    websocketUrl: field('MCP \\(WebSocket\\)'),
    output,
    exited,
  };
}
