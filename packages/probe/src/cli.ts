#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { parseCliOptions, USAGE } from './cli-options.js';
import { formatJunitReport } from './report/junit-report.js';
import { formatTerminalReport } from './report/terminal-report.js';
import { runProbe } from './run-probe.js';

/** `portcullis-probe`: exit 0 when every applicable check passes, 1 when one fails, 2 on bad usage. */
async function main(): Promise<number> {
  let options: ReturnType<typeof parseCliOptions>;
  try {
    options = parseCliOptions(process.argv.slice(2), process.env, process.stdout.isTTY === true);
  } catch (error) {
    process.stderr.write(`portcullis-probe: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let report: Awaited<ReturnType<typeof runProbe>>;
  try {
    report = await runProbe(options.probe);
  } catch (error) {
    process.stderr.write(`portcullis-probe: ${(error as Error).message}\n`);
    return 2;
  }
  process.stdout.write(
    options.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatTerminalReport(report, { colour: options.colour, verbose: options.verbose }),
  );
  if (options.junit) await writeFile(options.junit, formatJunitReport(report));
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
