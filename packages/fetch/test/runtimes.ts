import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const docs = fileURLToPath(new URL('../../../apps/docs/', import.meta.url));
/** A sample program of the documentation, by file name. */
export const sample = (file: string) => `${docs}samples/${file}`;

/** A binary shipped inside a platform package that `main` depends on (no download at install). */
function shippedBinary(main: string, platformPackage: string, path: string): string {
  const fromMain = createRequire(require.resolve(`${main}/package.json`));
  return fromMain.resolve(`${platformPackage}/${path}`);
}

/** How to start one sample program on one runtime. */
export interface RuntimeProgram {
  name: string;
  command: string;
  args: string[];
}

/** The runtimes a sample server runs on, each from the npm registry. */
export const RUNTIME_PROGRAMS: RuntimeProgram[] = [
  {
    name: 'Hono on Node',
    command: process.execPath,
    args: ['--conditions=@portcullis/source', '--import', 'tsx', sample('fetch-hono.ts')],
  },
  {
    name: 'Bun',
    command: shippedBinary('bun', '@oven/bun-linux-x64', 'bin/bun'),
    args: ['--conditions=@portcullis/source', sample('fetch-bun.ts')],
  },
  {
    name: 'Deno',
    command: shippedBinary('deno', '@deno/linux-x64-glibc', 'deno'),
    args: [
      'run',
      '--allow-net',
      '--allow-env',
      '--allow-read',
      '--allow-sys',
      '--conditions=@portcullis/source',
      '--unstable-sloppy-imports',
      '--node-modules-dir=manual',
      '--no-config',
      sample('fetch-deno.ts'),
    ],
  },
];

/** A sample server running in a child process. */
export interface RunningProgram {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `program` with `env` and waits for the line that names its endpoint; rejects with
 * what it printed if it exits first.
 */
export async function startProgram(
  program: RuntimeProgram,
  env: Record<string, string>,
): Promise<RunningProgram> {
  const child: ChildProcess = spawn(program.command, program.args, {
    cwd: docs,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /MCP endpoint: (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) =>
      reject(new Error(`${program.name} exited (${code}) before listening:\n${output}`)),
    );
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
