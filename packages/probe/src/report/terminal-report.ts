import type { CheckResult, Evidence } from '../check-result.js';
import type { ProbeReport } from '../run-probe.js';

/** Options of {@link formatTerminalReport}. */
export interface TerminalReportOptions {
  /** ANSI colours (on for a TTY). */
  colour: boolean;
  /** Show the evidence of passed and not-applicable checks too. */
  verbose?: boolean;
}

const COLOURS = { pass: '32', fail: '31', 'not-applicable': '90', dim: '2', bold: '1' } as const;
const LABELS = { pass: 'PASS', fail: 'FAIL', 'not-applicable': 'N/A ' } as const;

function evidenceLines(
  evidence: Evidence,
  paint: (code: string, text: string) => string,
): string[] {
  const { request } = evidence;
  const lines = [`    → ${request.method} ${request.url}`];
  for (const [name, value] of Object.entries(request.headers))
    if (name !== 'content-length') lines.push(paint(COLOURS.dim, `      ${name}: ${value}`));
  if (request.body) lines.push(paint(COLOURS.dim, `      ${request.body}`));
  lines.push(`    ← ${evidence.status ?? `no answer (${evidence.error})`}`);
  for (const name of ['www-authenticate', 'content-type', 'dpop-nonce'])
    if (evidence.headers[name])
      lines.push(paint(COLOURS.dim, `      ${name}: ${evidence.headers[name]}`));
  if (evidence.bodyExcerpt)
    lines.push(
      paint(COLOURS.dim, `      ${evidence.bodyExcerpt.replace(/\s+/g, ' ').slice(0, 300)}`),
    );
  return lines;
}

function resultLines(
  result: CheckResult,
  options: TerminalReportOptions,
  paint: (code: string, text: string) => string,
) {
  const lines = [
    `${paint(COLOURS[result.status], LABELS[result.status])} ${paint(COLOURS.bold, result.id)}  ${result.title}`,
    `     ${result.summary}`,
    paint(COLOURS.dim, `     ${result.clause}`),
  ];
  if (result.status === 'fail' || options.verbose)
    for (const evidence of result.evidence) lines.push(...evidenceLines(evidence, paint));
  return lines;
}

/** The report a person reads in a terminal: one block per check, evidence under failures. */
export function formatTerminalReport(report: ProbeReport, options: TerminalReportOptions): string {
  const paint = (code: string, text: string) =>
    options.colour ? `\u001b[${code}m${text}\u001b[0m` : text;
  const count = (status: CheckResult['status']) =>
    report.results.filter((result) => result.status === status).length;
  const eras = [
    report.eras.modern ? '2026-07-28' : undefined,
    report.eras.legacy ? `${report.eras.legacy} (initialize)` : undefined,
  ].filter(Boolean);
  const lines = [
    `portcullis-probe ${report.target}${report.websocket ? ` and ${report.websocket}` : ''}`,
    `eras served: ${eras.length > 0 ? eras.join(', ') : report.eras.modern === undefined ? 'unknown (no token to ask with)' : 'neither answered'}`,
    '',
    ...report.results.flatMap((result) => [...resultLines(result, options, paint), '']),
    `${paint(COLOURS.pass, `${count('pass')} passed`)}, ${paint(COLOURS.fail, `${count('fail')} failed`)}, ${count('not-applicable')} not applicable; ${report.requests} requests`,
  ];
  return `${lines.join('\n')}\n`;
}
