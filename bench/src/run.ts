/**
 * `pnpm bench`: the full run. Prints the table, writes bench/results/latest.json, the chart
 * docs/benchmarks.svg and the generated part of docs/benchmarks.md.
 *   --smoke            seconds instead of minutes (what CI runs, without writing the docs)
 *   --rounds N --seconds S --only id,id --out file.json --no-doc
 *   --from-source      load the workspace packages from their sources, not their built dist
 *   --cpu-prof DIR     DIR/<id>.cpuprofile: each contender's V8 CPU profile over its last measurement
 *                      at the highest concurrency (steady state only)
 *   --heap-prof        with --cpu-prof: DIR/<id>.heapprofile too, where the same span allocated
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL, type HarnessOptions, runHarness, SMOKE } from './harness.js';
import { formatWithBiome, textReport, writeDoc } from './report.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const root = fileURLToPath(new URL('../../', import.meta.url));
const smoke = flag('smoke');
const options: HarnessOptions = {
  ...(smoke ? SMOKE : FULL),
  log: (line) => process.stderr.write(`${line}\n`),
};
if (value('rounds')) options.rounds = Number(value('rounds'));
if (value('seconds')) options.seconds = Number(value('seconds'));
if (flag('from-source')) options.fromSource = true;
if (value('only')) options.only = value('only')!.split(',');
if (value('cpu-prof')) {
  options.cpuProfileDir = resolve(value('cpu-prof')!);
  mkdirSync(options.cpuProfileDir, { recursive: true });
  options.heapProfile = flag('heap-prof');
}
let openFiles = 'unknown';
try {
  openFiles = execSync('ulimit -n', { shell: '/bin/sh', encoding: 'utf8' }).trim();
} catch {}

const result = await runHarness(options, openFiles);
const out = resolve(
  value('out') ??
    (smoke ? `${tmpdir()}/portcullis-bench-smoke.json` : `${root}bench/results/latest.json`),
);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
if (!smoke) formatWithBiome([out]);
console.log(textReport(result));
if (!smoke && !flag('no-doc') && !options.only) {
  writeDoc(result, `${root}docs/benchmarks.md`, `${root}docs/benchmarks.svg`);
  console.log(`\nwrote ${out}, docs/benchmarks.md and docs/benchmarks.svg`);
} else console.log(`\nwrote ${out}`);
