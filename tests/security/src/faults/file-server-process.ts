import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
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
    },
  ) as ChildProcessWithoutNullStreams;
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => {
    output.stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output.stderr += chunk;
  });
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  void exited.then(() => {
    done = true;
  });
  while (!done && !/MCP \(WebSocket\)\s+\S+\n/.test(output.stdout))
    await new Promise((resolve) => setTimeout(resolve, 10));
  if (done)
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
