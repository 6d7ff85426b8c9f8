import type { Portcullis } from '@portcullis/core';
import { type StdioOptions, serveStdio } from './serve-stdio.js';
import { StdioStartupError } from './stdio-identity.js';

/** Options for {@link runStdioServer}. */
export interface RunStdioOptions extends StdioOptions {
  /** How long SIGINT/SIGTERM wait for calls in flight. Default 5 s. */
  shutdownDeadlineMs?: number;
}

/**
 * Runs a stdio server as a process's whole job: a refused or missing token prints one line on
 * stderr and exits 1; the end of stdin, a closed stdout, SIGINT and SIGTERM finish the calls in
 * flight (within the deadline) and exit 0.
 */
export async function runStdioServer(
  portcullis: Portcullis,
  options: RunStdioOptions = {},
): Promise<never> {
  let server: Awaited<ReturnType<typeof serveStdio>>;
  try {
    server = await serveStdio(portcullis, options);
  } catch (error) {
    const message =
      error instanceof StdioStartupError
        ? error.message
        : `could not start: ${(error as Error).message}`;
    process.stderr.write(`portcullis: ${message}\n`);
    process.exit(1);
  }
  const stop = () => void server.close({ deadlineMs: options.shutdownDeadlineMs ?? 5_000 });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await server.done;
  process.exit(0);
}
