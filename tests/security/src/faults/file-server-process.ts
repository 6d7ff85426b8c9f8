import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
/** The file server's CLI from its TypeScript source, found through the package's own export. */
const CLI = join(
  dirname(require.resolve('@portcullis/file-server-app/package.json')),
  'src',
  'cli.ts',
);

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
 * Starts the file server's CLI (`node --import tsx src/cli.ts`, as its own tests do) with
 * `args`, trusting `issuer`, and waits for its banner. `nodeOptions` go before the script
 * (`--expose-gc`, `--import` of a probe); `ipc` adds an IPC channel.
 */
export async function startFileServerProcess(
  args: readonly string[],
  options: { nodeOptions?: readonly string[]; ipc?: boolean; env?: Record<string, string> } = {},
): Promise<FileServerProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@portcullis/source',
      '--import',
      'tsx',
      ...(options.nodeOptions ?? []),
      CLI,
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
