import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningConformanceServer, startConformanceServer } from './conformance-server.js';
import { parseSuiteOutput, parseUnscored, type SuiteReport } from './suite-report.js';

/** The suite, pinned; it needs Node 22, which npx brings from the npm registry. */
const SUITE = ['-y', '-p', 'node@22', '-p', '@modelcontextprotocol/conformance@0.2.0-alpha.12'];
/** Per scenario: every scenario takes well under a second here; a hang fails in 10 s, not 30. */
const SCENARIO_TIMEOUT_MS = 10_000;
/** The only baseline, a single warning of the stateless 2025-11-25 runs; its comments say why. */
const STATELESS_2025_BASELINE = fileURLToPath(
  new URL('../expected-failures-2025-stateless.yaml', import.meta.url),
);

const REVISIONS = ['2026-07-28', '2025-11-25'] as const;
/** The scored scenarios of each revision's requirements (`conformance list --requirements`). */
const SCORED: Record<(typeof REVISIONS)[number], number> = { '2026-07-28': 37, '2025-11-25': 30 };

interface ServerSetup {
  name: string;
  sessions: boolean;
  authorization: boolean;
}

const SETUPS: ServerSetup[] = [
  { name: 'stateless, authorization off', sessions: false, authorization: false },
  { name: 'stateless, authorization on', sessions: false, authorization: true },
  { name: 'stateful, authorization off', sessions: true, authorization: false },
  { name: 'stateful, authorization on', sessions: true, authorization: true },
];

interface Run {
  revision: (typeof REVISIONS)[number];
  setup: ServerSetup;
  /** Whether the stateless 2025 baseline (expected-failures-2025-stateless.yaml) applies. */
  baseline: boolean;
  /** The scored scenarios that must fail: those the baseline lists, and no other. */
  failing: string[];
  expectation: string;
}

/** A stateless server offers no resource subscriptions: it has no stream to deliver updates on. */
const NOT_OFFERED_STATELESS = ['resources-subscribe', 'resources-unsubscribe'];

const RUNS: Run[] = SETUPS.flatMap((setup) =>
  REVISIONS.map((revision) => {
    const baseline = revision === '2025-11-25' && !setup.sessions;
    return {
      revision,
      setup,
      baseline,
      failing: baseline ? NOT_OFFERED_STATELESS : [],
      expectation: baseline
        ? 'every scored scenario passes but the subscriptions a stateless server does not offer'
        : 'every scored scenario passes',
    };
  }),
);

function npx(args: string[]) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('npx', [...SUITE, ...args], { env: process.env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('exit', (code) => resolve({ code, output }));
  });
}

function runSuite(url: string, run: Run) {
  return npx([
    'conformance',
    'server',
    '--url',
    url,
    '--requirements',
    run.revision,
    '--timeout',
    String(SCENARIO_TIMEOUT_MS),
    ...(run.baseline ? ['--expected-failures', STATELESS_2025_BASELINE] : []),
  ]);
}

function describeRun(run: Run, report: SuiteReport, code: number | null, seconds: number) {
  const scored = report.scenarios.filter((scenario) => scenario.scored);
  const failing = scored.filter((scenario) => !scenario.passed).map((scenario) => scenario.name);
  const unscored = report.scenarios
    .filter((scenario) => !scenario.scored)
    .map(
      (scenario) =>
        `  ${scenario.passed ? '✓' : '✗'} ${scenario.name} (${scenario.reason}): ${scenario.checksPassed} passed, ${scenario.checksFailed} failed`,
    );
  return [
    `${run.revision}, ${run.setup.name}: scored ${scored.length - failing.length}/${scored.length} scenarios pass` +
      `${failing.length > 0 ? ` (failing: ${failing.join(', ')})` : ''}; ` +
      `all checks: ${report.total?.passed} passed, ${report.total?.failed} failed; exit ${code}; ${seconds.toFixed(0)} s`,
    ...unscored,
  ].join('\n');
}

describe('the official MCP conformance suite (0.2.0-alpha.12) against a Portcullis server', () => {
  const servers = new Map<ServerSetup, RunningConformanceServer>();
  const results = new Map<Run, Promise<{ code: number | null; output: string; seconds: number }>>();
  /** Per revision, the scenarios it runs but does not score, as the suite lists them. */
  const unscored = new Map<string, Promise<Map<string, string>>>();

  beforeAll(async () => {
    for (const revision of REVISIONS)
      unscored.set(
        revision,
        npx(['conformance', 'list', '--requirements', revision]).then(({ output }) =>
          parseUnscored(output),
        ),
      );
    for (const setup of SETUPS)
      servers.set(
        setup,
        await startConformanceServer({
          sessions: setup.sessions,
          authorization: setup.authorization,
        }),
      );
    // Every run at once: each is a sequence of short exchanges, so they overlap well.
    for (const run of RUNS) {
      const started = performance.now();
      results.set(
        run,
        runSuite(servers.get(run.setup)!.url, run).then((result) => ({
          ...result,
          seconds: (performance.now() - started) / 1000,
        })),
      );
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled([...results.values(), ...unscored.values()]);
    await Promise.all([...servers.values()].map((server) => server.close()));
  });

  it.each(RUNS)('$revision, $setup.name: $expectation', async (run) => {
    const { code, output, seconds } = await results.get(run)!;
    const notScored = await unscored.get(run.revision)!;
    expect(notScored.size).toBeGreaterThan(0);
    const report = parseSuiteOutput(output, notScored);
    console.log(describeRun(run, report, code, seconds));
    expect(report.total, output.slice(-3000)).toBeDefined();
    const scored = report.scenarios.filter((scenario) => scenario.scored);
    expect(scored.length).toBe(SCORED[run.revision]);
    const failing = scored.filter((scenario) => !scenario.passed).map((scenario) => scenario.name);
    expect(failing).toEqual(run.failing);
    expect(code, output.slice(-3000)).toBe(0);
  });
});
