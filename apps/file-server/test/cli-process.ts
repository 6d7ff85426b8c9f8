import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const cwd = fileURLToPath(new URL('..', import.meta.url));
/** How tests run the CLI from its TypeScript source, without a build. */
const CLI_COMMAND = [
  process.execPath,
  '--conditions=@portcullis/source',
  '--import',
  'tsx',
  cli,
] as const;
const CLI_CWD = cwd;

/**
 * How an MCP client starts the file server on stdio, trusting `server`'s issuer and serving
 * `root`, with `token` in the environment: the parameters of an SDK `StdioClientTransport`.
 */
export function stdioServerParameters(
  server: Pick<CliProcess, 'issuer' | 'url'>,
  root: string,
  token: string,
) {
  return {
    command: CLI_COMMAND[0],
    args: [
      ...CLI_COMMAND.slice(1),
      '--stdio',
      '--issuer',
      server.issuer,
      '--resource',
      server.url,
      '--root',
      root,
    ],
    env: { PATH: process.env.PATH ?? '', MCP_ACCESS_TOKEN: token },
    cwd: CLI_CWD,
    stderr: 'pipe' as const,
  };
}

/** A file server running as a real child process, with what its banner printed. */
export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  websocketUrl: string;
  issuer: string;
  tokens: { readOnly: string; readWrite: string };
  output: { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

/** Runs the CLI with `args` and waits for its banner (or its exit). */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<CliProcess> {
  const child = spawn(CLI_COMMAND[0], [...CLI_COMMAND.slice(1), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => {
    output.stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done && !/Claude Desktop|Get tokens from/.test(output.stdout))
    await new Promise((resolve) => setTimeout(resolve, 25));
  const field = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(output.stdout)?.[1] ?? '';
  const tokenAfter = (label: string) =>
    new RegExp(`${label}[^\\n]*\\n\\s+(\\S+)`).exec(output.stdout)?.[1] ?? '';
  return {
    child,
    url: field('MCP \\(HTTP\\)'),
    websocketUrl: field('MCP \\(WebSocket\\)'),
    issuer: field('issuer'),
    tokens: { readOnly: tokenAfter('read-only'), readWrite: tokenAfter('read-write') },
    output,
    exited,
  };
}

/** Runs the CLI until it exits, for start-up failures and --help. */
export async function runCliToExit(args: string[], env: Record<string, string> = {}) {
  const run = await runCli(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 20_000);
  const code = await run.exited;
  clearTimeout(timer);
  return { code, stdout: run.output.stdout, stderr: run.output.stderr };
}
