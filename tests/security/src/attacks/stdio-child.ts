import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The file server app's folder, found through its package (its CLI runs from source with tsx). */
const APP_DIR = dirname(
  createRequire(import.meta.url).resolve('@portcullis/file-server/package.json'),
);

/** A file server CLI running with `--stdio`, one JSON-RPC message per line. */
export interface StdioChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything the server wrote on stderr (its log lines and start-up failures). */
  stderr(): string;
  /**
   * Resolves once stderr holds `text` at or after character `from` (the server writes its log
   * on its own schedule, possibly after an answer); throws if the process exits without it.
   */
  stderrContaining(text: string, from?: number): Promise<void>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Writes raw bytes on stdin. */
  write(data: string | Buffer): void;
  /** Waits for the next message on stdout whose id is `id`; throws if the process exits first. */
  answer(id: string | number | null): Promise<Record<string, unknown>>;
  /** Sends a request and waits for its answer. */
  request(
    message: { id: string | number } & Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * Runs the file server CLI over stdio against `issuer` for `resource`, serving `root`, with
 * `token` in `MCP_ACCESS_TOKEN` (none when undefined) and nothing else from this environment.
 */
export function spawnStdio(options: {
  issuer: string;
  resource: string;
  root: string;
  token?: string;
  /** Further flags, such as `--rate-limit 3` or `--dpop required`. */
  args?: readonly string[];
}): StdioChild {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@portcullis/source',
      '--import',
      'tsx',
      join(APP_DIR, 'src', 'cli.ts'),
      '--stdio',
      '--issuer',
      options.issuer,
      '--resource',
      options.resource,
      '--root',
      options.root,
      ...(options.args ?? []),
    ],
    {
      cwd: APP_DIR,
      env: {
        PATH: process.env.PATH ?? '',
        ...(options.token !== undefined && { MCP_ACCESS_TOKEN: options.token }),
      },
    },
  );
  let stderr = '';
  const stderrWaiters: Array<() => void> = [];
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    for (const wake of stderrWaiters.splice(0)) wake();
  });
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      messages.push(JSON.parse(pending.slice(0, newline)) as Record<string, unknown>);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    for (const wake of waiters.splice(0)) wake();
  });
  // `close` comes after `exit` once stdout and stderr are read to their end: whoever awaits
  // the exit code then sees everything the server wrote.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  );
  let gone = false;
  child.once('close', () => {
    gone = true;
    for (const wake of [...waiters.splice(0), ...stderrWaiters.splice(0)]) wake();
  });
  const answer = async (id: string | number | null) => {
    for (;;) {
      const index = messages.findIndex((message) => message.id === id);
      if (index !== -1) return messages.splice(index, 1)[0]!;
      if (gone) throw new Error(`the stdio server exited before answering: ${stderr.slice(-300)}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const write = (data: string | Buffer) => child.stdin.write(data);
  return {
    child,
    stderr: () => stderr,
    async stderrContaining(text, from = 0) {
      while (!stderr.includes(text, from)) {
        if (gone) throw new Error(`the stdio server exited without writing ${text}`);
        await new Promise<void>((resolve) => stderrWaiters.push(resolve));
      }
    },
    exited,
    write,
    answer,
    request(message) {
      write(`${JSON.stringify(message)}\n`);
      return answer(message.id);
    },
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
