import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_IDS, type ProbeReport, runProbe } from '../src/index.js';
import { type FileServerTarget, startFileServerTarget } from './file-server-fixture.js';

describe('the probe against the Portcullis file server (HTTP and WebSocket, DPoP optional)', () => {
  let target: FileServerTarget;
  let report: ProbeReport;

  beforeAll(async () => {
    target = await startFileServerTarget();
    report = await runProbe({ url: target.server.url, ...target.probeOptions });
  });
  afterAll(() => target?.close());

  it('passes every check of the catalogue', () => {
    const summary = report.results.map(
      (result) => `${result.status} ${result.id}: ${result.summary}`,
    );
    expect(summary.filter((line) => !line.startsWith('pass'))).toEqual([]);
    expect(report.results.map((result) => result.id)).toEqual(CHECK_IDS);
    expect(report.ok).toBe(true);
  });

  it('reports both eras and stays within its request budget', () => {
    expect(report.eras).toMatchObject({ modern: true, legacy: '2025-11-25', primary: 'modern' });
    expect(report.requests).toBeLessThanOrEqual(100);
  });

  it('never shows a token in its evidence', () => {
    const text = JSON.stringify(report);
    for (const token of Object.values(target.probeOptions.tokens ?? {}))
      expect(text).not.toContain(token);
    expect(text).not.toContain(target.probeOptions.client!.clientSecret);
  });
});
