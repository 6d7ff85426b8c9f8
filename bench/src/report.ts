/**
 * Renders a harness result: the table for stdout, the goals of issue 24, the SVG chart and
 * the generated part of docs/benchmarks.md. Run directly (`pnpm --filter @portcullis/bench
 * chart [result.json]`) it regenerates the chart and the doc from a saved JSON file.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { HarnessResult, ThroughputRow } from './harness.js';

const SDK_OF: Record<string, { v1?: string; v2?: string }> = {
  'portcullis-http-stateless': { v1: 'sdk-v1-stateless', v2: 'sdk-v2-legacy' },
  'portcullis-http-dpop': { v1: 'sdk-v1-stateless', v2: 'sdk-v2-legacy' },
  'portcullis-http-rate-limited': { v1: 'sdk-v1-stateless', v2: 'sdk-v2-legacy' },
  'portcullis-http-audited': { v1: 'sdk-v1-stateless', v2: 'sdk-v2-legacy' },
  'portcullis-http-session': { v1: 'sdk-v1-session' },
  'portcullis-http-modern': { v2: 'sdk-v2-modern' },
  'portcullis-fetch-node': { v1: 'sdk-v1-stateless', v2: 'sdk-v2-legacy' },
};
const FLOOR_OF: Record<string, string> = {
  'portcullis-http-stateless': 'floor-http-cached',
  'portcullis-http-dpop': 'floor-http-cached',
  'portcullis-http-rate-limited': 'floor-http-cached',
  'portcullis-http-audited': 'floor-http-cached',
  'portcullis-http-many-callers': 'floor-http-verify',
  'portcullis-http-session': 'floor-http-cached',
  'portcullis-http-modern': 'floor-http-cached',
  'portcullis-fetch-node': 'floor-http-cached',
  'portcullis-ws': 'floor-ws',
};

const find = (result: HarnessResult, id: string | undefined, concurrency: number) =>
  result.throughput.find((row) => row.id === id && row.concurrency === concurrency);

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : '—');
const ratio = (a: ThroughputRow, b: ThroughputRow | undefined) =>
  b && b.callsPerSecond > 0 ? `${(a.callsPerSecond / b.callsPerSecond).toFixed(1)}×` : '—';
const share = (a: ThroughputRow, b: ThroughputRow | undefined) =>
  b && b.callsPerSecond > 0 ? `${Math.round((100 * a.callsPerSecond) / b.callsPerSecond)}%` : '—';

/** The throughput table, markdown (also readable on a terminal). */
export function throughputTable(result: HarnessResult): string {
  const lines = [
    '| contender | conc. | calls/s | p50 ms | p99 ms | CPU s / 1k calls | peak RSS MB | errors | × SDK v1 | × SDK v2 | of floor |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const row of result.throughput) {
    const sdk = SDK_OF[row.id];
    lines.push(
      `| ${row.label} | ${row.concurrency} | ${int(row.callsPerSecond)} | ${ms(row.p50Ms)} | ${ms(row.p99Ms)} | ${row.cpuSecondsPer1000.toFixed(3)} | ${row.peakRssMb.toFixed(0)} | ${row.errors} | ${ratio(row, find(result, sdk?.v1, row.concurrency))} | ${ratio(row, find(result, sdk?.v2, row.concurrency))} | ${share(row, find(result, FLOOR_OF[row.id], row.concurrency))} |`,
    );
  }
  return lines.join('\n');
}

export function memoryTable(result: HarnessResult): string {
  const lines = ['| contender | idle | opened | heap each | RSS each |', '|---|---|--:|--:|--:|'];
  for (const row of result.memory)
    lines.push(
      `| ${row.label} | ${row.what} | ${row.opened} of ${row.count} | ${(row.heapBytesEach / 1024).toFixed(1)} KB | ${(row.rssBytesEach / 1024).toFixed(1)} KB |`,
    );
  return lines.join('\n');
}

export function floodTable(result: HarnessResult): string {
  const lines = [
    '| contender | forged-`kid` tokens sent | refused | seconds | JWKS fetches | cooldown |',
    '|---|--:|--:|--:|--:|--:|',
  ];
  for (const row of result.flood)
    lines.push(
      `| ${row.label} | ${row.sent} | ${row.refused} | ${row.seconds.toFixed(1)} | ${row.jwksFetches} | ${row.cooldownSeconds} s |`,
    );
  return lines.join('\n');
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean | undefined;
}

/** How many calls of `a` cost the CPU of one call of `b`: `b`'s CPU per call over `a`'s. */
const cpuRatio = (a: ThroughputRow, b: ThroughputRow) => a.cpuSecondsPer1000 / b.cpuSecondsPer1000;

const microseconds = (cpuSecondsPer1000: number) => `${Math.round(cpuSecondsPer1000 * 1000)} µs`;

/** The goals of issue 24, at concurrency 32 (the issue's setup). */
export function goals(result: HarnessResult, concurrency = 32): Goal[] {
  const at = (id: string) => find(result, id, concurrency);
  const out: Goal[] = [];
  const times = (id: string, other: string, factor: number, what: string) => {
    const a = at(id);
    const b = at(other);
    if (!a || !b) return;
    const x = a.callsPerSecond / b.callsPerSecond;
    out.push({
      goal: `${what} ≥ ${factor}× ${b.label}`,
      measured: `${x.toFixed(1)}× (by CPU per call ${cpuRatio(b, a).toFixed(1)}×)`,
      met: x >= factor,
    });
  };
  times('portcullis-http-stateless', 'sdk-v1-stateless', 5, 'HTTP stateless');
  times('portcullis-http-stateless', 'sdk-v2-legacy', 5, 'HTTP stateless');
  times('portcullis-http-modern', 'sdk-v2-modern', 5, 'HTTP 2026-07-28');
  times('portcullis-http-session', 'sdk-v1-session', 5, 'HTTP session');
  const floor = at('floor-http-cached');
  for (const id of [
    'portcullis-http-stateless',
    'portcullis-http-session',
    'portcullis-http-modern',
    'portcullis-fetch-node',
  ]) {
    const row = at(id);
    if (!row || !floor) continue;
    const x = row.callsPerSecond / floor.callsPerSecond;
    out.push({
      goal: `${row.label} ≥ 50% of the cached floor`,
      measured: `${Math.round(100 * x)}%`,
      met: x >= 0.5,
    });
    const cpu = cpuRatio(row, floor);
    out.push({
      goal: `${row.label}: CPU per call ≤ 2.5× the cached floor’s`,
      measured: `${cpu.toFixed(1)}× (${microseconds(row.cpuSecondsPer1000)} vs ${microseconds(floor.cpuSecondsPer1000)})`,
      met: cpu <= 2.5,
    });
    const p = row.p99Ms / floor.p99Ms;
    out.push({
      goal: `${row.label}: p99 ≤ 2× the cached floor’s`,
      measured: `${p.toFixed(1)}× (${ms(row.p99Ms)} vs ${ms(floor.p99Ms)} ms)`,
      met: p <= 2,
    });
  }
  times('portcullis-ws', 'portcullis-http-stateless', 2, 'WebSocket');
  const ws = at('portcullis-ws');
  const wsFloor = at('floor-ws');
  if (ws && wsFloor) {
    const x = ws.callsPerSecond / wsFloor.callsPerSecond;
    out.push({
      goal: 'WebSocket ≥ 50% of the bare ws floor',
      measured: `${Math.round(100 * x)}% (by CPU per call ${Math.round(100 * cpuRatio(wsFloor, ws))}%)`,
      met: x >= 0.5,
    });
  }
  // Each feature beside the plain stateless contender: within 15%, and what it costs per call.
  const plain = at('portcullis-http-stateless');
  for (const [id, what] of [
    ['portcullis-http-dpop', 'DPoP on'],
    ['portcullis-http-rate-limited', 'rate limiter on'],
    ['portcullis-http-audited', 'audit sink on'],
  ] as const) {
    const row = at(id);
    if (!row || !plain) continue;
    const x = row.callsPerSecond / plain.callsPerSecond;
    out.push({
      goal: `HTTP stateless, ${what}: within 15% of the plain contender`,
      measured: `${Math.round(100 * x)}%; ${microseconds(row.cpuSecondsPer1000 - plain.cpuSecondsPer1000)} more CPU per call`,
      met: x >= 0.85,
    });
  }
  const many = at('portcullis-http-many-callers');
  if (many && plain)
    out.push({
      goal: `many distinct tokens (${result.settings.callers.toLocaleString('en-US')}, cold cache): the cost of a signature verification`,
      measured: `${Math.round((100 * many.callsPerSecond) / plain.callsPerSecond)}% of one cached token; ${microseconds(many.cpuSecondsPer1000 - plain.cpuSecondsPer1000)} more CPU per call`,
      met: undefined,
    });
  const idle = (id: string, limitKb: number, what: string) => {
    const row = result.memory.find((m) => m.id === id);
    if (!row) return;
    const kb = row.heapBytesEach / 1024;
    out.push({
      goal: `${what} ≤ ${limitKb} KB of heap (kept or improved)`,
      measured: `${kb.toFixed(1)} KB`,
      met: kb <= limitKb,
    });
  };
  idle('portcullis-ws', 20.8, 'an idle WebSocket connection');
  idle('portcullis-http-session', 14.9, 'an idle stateful HTTP session');
  for (const row of result.flood.filter((f) => f.id.startsWith('portcullis'))) {
    const allowed = Math.ceil(row.seconds / row.cooldownSeconds);
    out.push({
      goal: `${row.label}: ≤ 1 JWKS fetch per cooldown under a forged-kid flood`,
      measured: `${row.jwksFetches} in ${row.seconds.toFixed(1)} s (${row.sent} tokens)`,
      met: row.jwksFetches <= allowed,
    });
  }
  return out;
}

export function goalsTable(result: HarnessResult): string {
  const lines = ['| goal (concurrency 32) | measured | met |', '|---|---|---|'];
  for (const goal of goals(result))
    lines.push(
      `| ${goal.goal} | ${goal.measured} | ${goal.met === undefined ? '—' : goal.met ? 'yes' : 'no'} |`,
    );
  return lines.join('\n');
}

export function machineLine(result: HarnessResult): string {
  const m = result.machine;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');
  return `${m.cpus} × ${m.cpuModel}, ${m.totalMemoryGb.toFixed(0)} GB, ${m.platform}, Node ${m.node}; load average (1, 5, 15 min) ${load(m.loadBefore)} at the start and ${load(m.loadAfter)} at the end; \`ulimit -n\` ${m.openFilesLimit}`;
}

/** Everything for stdout. */
export function textReport(result: HarnessResult): string {
  return [
    `Machine: ${machineLine(result)}`,
    '',
    throughputTable(result),
    '',
    memoryTable(result),
    '',
    floodTable(result),
    '',
    goalsTable(result),
  ].join('\n');
}

/** Horizontal bars of calls/s per contender, one bar per concurrency. */
export function chartSvg(result: HarnessResult): string {
  const concurrencies = [...new Set(result.throughput.map((row) => row.concurrency))];
  const ids = [...new Set(result.throughput.map((row) => row.id))];
  const max = Math.max(...result.throughput.map((row) => row.callsPerSecond), 1);
  const colors = ['#9aa5b1', '#2563eb', '#16a34a', '#ea580c'];
  const barHeight = 11;
  const groupHeight = concurrencies.length * barHeight + 10;
  const left = 330;
  const width = 860;
  const plot = width - left - 80;
  const top = 40;
  const height = top + ids.length * groupHeight + 30;
  const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>tools/call per second of every contender at each concurrency, ${result.generatedAt.slice(0, 10)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="18" font-size="13" font-weight="bold">tools/call per second (median of ${result.settings.rounds} rounds, ${result.generatedAt.slice(0, 10)}, ${result.machine.cpus} cores, 1-min load ${result.machine.loadBefore[0]?.toFixed(1)} → ${result.machine.loadAfter[0]?.toFixed(1)})</text>`,
  ];
  concurrencies.forEach((c, i) => {
    parts.push(
      `<rect x="${left + i * 140}" y="26" width="10" height="10" fill="${colors[i % colors.length]}"/><text x="${left + 14 + i * 140}" y="35">concurrency ${c}</text>`,
    );
  });
  ids.forEach((id, g) => {
    const y0 = top + g * groupHeight;
    const label = result.throughput.find((row) => row.id === id)?.label ?? id;
    parts.push(
      `<text x="${left - 6}" y="${y0 + groupHeight / 2}" text-anchor="end">${escapeXml(label)}</text>`,
    );
    concurrencies.forEach((c, i) => {
      const row = find(result, id, c);
      if (!row) return;
      const w = Math.max(1, (row.callsPerSecond / max) * plot);
      const y = y0 + i * barHeight;
      parts.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight - 2}" fill="${colors[i % colors.length]}"/>`,
        `<text x="${(left + w + 4).toFixed(1)}" y="${y + barHeight - 3}" font-size="9">${int(row.callsPerSecond)}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export const DOC_START =
  '<!-- bench:results:start (generated by bench/src/report.ts; edits here are overwritten) -->';
export const DOC_END = '<!-- bench:results:end -->';

/** The generated part of docs/benchmarks.md. */
export function docBlock(result: HarnessResult): string {
  return [
    DOC_START,
    '',
    `Run at ${result.generatedAt} with ${result.settings.rounds} interleaved rounds of ${result.settings.calls ? `${result.settings.calls} calls` : `${result.settings.seconds} s`} per contender and concurrency, after ${result.settings.warmupSeconds} s of warm-up each; the packages ${result.settings.fromSource ? 'loaded from their TypeScript sources through tsx' : 'loaded from their built `dist`, as users install them'}.`,
    '',
    `Machine: ${machineLine(result)}.`,
    '',
    '![tools/call per second](benchmarks.svg)',
    '',
    throughputTable(result),
    '',
    `Idle memory (fresh processes; heap after a full GC, before and after opening ${result.settings.idleSessions} sessions / ${result.settings.idleWebSockets} connections, each initialized):`,
    '',
    memoryTable(result),
    '',
    'JWKS fetches under a flood of tokens signed by the real key but naming unpublished `kid`s:',
    '',
    floodTable(result),
    '',
    'Against the goals of issue 24:',
    '',
    goalsTable(result),
    '',
    DOC_END,
  ].join('\n');
}

/**
 * Formats written files as the repository's `biome check` wants them (aligned tables, JSON
 * layout), so a rerun can be committed as it is; without biome the files stay as written.
 */
export function formatWithBiome(files: readonly string[]): void {
  try {
    const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
    execFileSync(process.execPath, [biome, 'format', '--write', ...files], { stdio: 'ignore' });
  } catch {}
}

/** Replaces the generated block of `docPath` (or appends one) and writes the chart beside it. */
export function writeDoc(result: HarnessResult, docPath: string, svgPath: string): void {
  writeFileSync(svgPath, `${chartSvg(result)}\n`);
  let doc = '';
  try {
    doc = readFileSync(docPath, 'utf8');
  } catch {
    doc = '# Benchmarks\n\n';
  }
  const start = doc.indexOf(DOC_START);
  const end = doc.indexOf(DOC_END);
  const block = docBlock(result);
  doc =
    start !== -1 && end !== -1
      ? `${doc.slice(0, start)}${block}${doc.slice(end + DOC_END.length)}`
      : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(docPath, doc);
  formatWithBiome([docPath]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const file = process.argv[2] ?? `${root}bench/results/latest.json`;
  const result = JSON.parse(readFileSync(file, 'utf8')) as HarnessResult;
  writeDoc(result, `${root}docs/benchmarks.md`, `${root}docs/benchmarks.svg`);
  console.log(textReport(result));
}
