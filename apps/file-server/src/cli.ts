#!/usr/bin/env node
import { runStdioServer } from '@portcullis/stdio';
import { pino } from 'pino';
import { formatBanner } from './banner.js';
import { openInstanceState } from './instance-state.js';
import { helpText, parseOptions } from './options.js';
import { prepareRoot } from './prepare-root.js';
import {
  createFilePortcullis,
  logCleanUp,
  resolveTrust,
  startFileServer,
} from './start-file-server.js';
import { type FileServerTelemetry, startTelemetry } from './telemetry.js';

/** Prints one line on stderr and exits non-zero: how every start-up failure ends. */
function fail(message: string): never {
  process.stderr.write(`file-server: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseOptions>;
  try {
    const args = process.argv.slice(2);
    // `pnpm run file-server -- --port 0` passes the separator on; it is not an argument.
    options = parseOptions(args[0] === '--' ? args.slice(1) : args, process.env);
  } catch (error) {
    fail(`${(error as Error).message} (see --help)`);
  }
  if (options.help) {
    process.stdout.write(helpText());
    return;
  }
  const logger = pino(
    { level: process.env.LOG_LEVEL ?? 'info', base: undefined },
    pino.destination(2),
  );
  let telemetry: FileServerTelemetry | undefined;
  try {
    telemetry = await startTelemetry(options.metrics, logger);
  } catch (error) {
    fail(`--metrics: ${(error as Error).message}`);
  }

  if (options.stdio) {
    if (!options.issuer && !options.casdoor)
      fail(
        '--stdio needs --issuer or --casdoor: the token in MCP_ACCESS_TOKEN must come from an authorization server you run',
      );
    try {
      const root = await prepareRoot(options.root, logCleanUp(logger));
      const trust = await resolveTrust(options);
      const resource = options.resource ?? `http://${options.host}:${options.port}/mcp`;
      // One process per client: its state stays in the process, whatever --redis says.
      const state = await openInstanceState({ ...options, redis: undefined });
      await runStdioServer(createFilePortcullis(root, resource, trust, options, logger, state));
    } catch (error) {
      fail((error as Error).message);
    }
  }

  let server: Awaited<ReturnType<typeof startFileServer>>;
  try {
    server = await startFileServer(options, logger);
  } catch (error) {
    fail((error as Error).message);
  }
  process.stdout.write(`${formatBanner(server)}\n`);
  const stop = () => {
    void server
      .close()
      .then(() => telemetry?.shutdown())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
