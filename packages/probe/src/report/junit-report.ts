import type { CheckResult } from '../check-result.js';
import type { ProbeReport } from '../run-probe.js';

/** `text` with the characters XML 1.0 cannot carry (C0 controls but tab, LF, CR) as `?`. */
const xmlCharacters = (text: string) =>
  Array.from(text, (character) => {
    const code = character.charCodeAt(0);
    return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d ? '?' : character;
  }).join('');

const escapeXml = (text: string) =>
  xmlCharacters(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

function testCase(result: CheckResult): string {
  const open = `    <testcase classname="portcullis-probe.${escapeXml(result.id.split('.')[0]!)}" name="${escapeXml(`${result.id}: ${result.title}`)}">`;
  const details = escapeXml(
    `${result.summary}\n${result.clause}\n${JSON.stringify(result.evidence, null, 2)}`,
  );
  if (result.status === 'fail')
    return `${open}\n      <failure message="${escapeXml(result.summary)}">${details}</failure>\n    </testcase>`;
  if (result.status === 'not-applicable')
    return `${open}\n      <skipped message="${escapeXml(result.summary)}"/>\n    </testcase>`;
  return `${open}\n      <system-out>${escapeXml(`${result.summary}\n${result.clause}`)}</system-out>\n    </testcase>`;
}

/** The report as JUnit XML, one test case per check (not applicable = skipped), for CI. */
export function formatJunitReport(report: ProbeReport): string {
  const failures = report.results.filter((result) => result.status === 'fail').length;
  const skipped = report.results.filter((result) => result.status === 'not-applicable').length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="portcullis-probe" tests="${report.results.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="${escapeXml(report.target)}" tests="${report.results.length}" failures="${failures}" skipped="${skipped}">`,
    ...report.results.map(testCase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
