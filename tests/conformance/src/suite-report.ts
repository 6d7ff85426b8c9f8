/** One scenario's line of the suite's summary. */
export interface ScenarioResult {
  name: string;
  passed: boolean;
  checksPassed: number;
  checksFailed: number;
  /** Whether it counts for the revision; unscored ones are reported only. */
  scored: boolean;
  /** Why it is not scored (`pending`, `extension`…); absent when scored. */
  reason?: string;
}

/** What a `conformance server --requirements` run printed. */
export interface SuiteReport {
  scenarios: ScenarioResult[];
  /** The `Total: N passed, M failed` line (checks of every scenario, scored or not). */
  total: { passed: number; failed: number } | undefined;
}

const SCENARIO_LINE = /^([✓✗]) ([a-z0-9/-]+): (\d+) passed, (\d+) failed$/gm;
const REASON_LINE = /^ {2}([a-z-]+) \(\d+\):$/;
const SERVER_SCENARIO_LINE = /^ {4}- ([a-z0-9/-]+) \[server\]$/;

/**
 * The server scenarios a revision runs but does not score, with the reason (`pending`,
 * `extension`…), from the output of `conformance list --requirements <revision>`.
 */
export function parseUnscored(listOutput: string): Map<string, string> {
  const unscored = new Map<string, string>();
  const block = listOutput.slice(listOutput.indexOf('Run and reported, but never scored'));
  let reason: string | undefined;
  for (const line of block.split('\n')) {
    const header = REASON_LINE.exec(line);
    if (header) reason = header[1];
    const scenario = SERVER_SCENARIO_LINE.exec(line);
    if (scenario && reason) unscored.set(scenario[1]!, reason);
  }
  return unscored;
}

/**
 * Reads the summary of a requirements run: every scenario with its check counts, whether it
 * is scored (`unscored`: from {@link parseUnscored}), and the total.
 */
export function parseSuiteOutput(output: string, unscored: Map<string, string>): SuiteReport {
  const summary = output.slice(output.lastIndexOf('=== SUMMARY ==='));
  const scenarios = [...summary.matchAll(SCENARIO_LINE)].map(
    ([, mark, name, checksPassed, checksFailed]): ScenarioResult => {
      const reason = unscored.get(name!);
      return {
        name: name!,
        passed: mark === '✓',
        checksPassed: Number(checksPassed),
        checksFailed: Number(checksFailed),
        scored: reason === undefined,
        ...(reason !== undefined && { reason }),
      };
    },
  );
  const total = /^Total: (\d+) passed, (\d+) failed$/m.exec(summary);
  return {
    scenarios,
    total: total ? { passed: Number(total[1]), failed: Number(total[2]) } : undefined,
  };
}
