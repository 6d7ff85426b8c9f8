import { describe, expect, it } from 'vitest';
import { ROWS, runHarness, SMOKE } from './harness.js';
import { CONTENDER_KINDS } from './kinds.js';
import { goals, textReport } from './report.js';
import { EXPECTED_TEXT, isExpectedAnswer } from './shared.js';

describe('the expected-result check', () => {
  const result = (text: string, extra = {}) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text }], ...extra },
    });
  it('counts only the expected tool result', () => {
    expect(isExpectedAnswer(result(EXPECTED_TEXT), 1)).toBe(true);
    expect(isExpectedAnswer(`event: message\ndata: ${result(EXPECTED_TEXT)}\n\n`, 1)).toBe(true);
    expect(isExpectedAnswer(result(EXPECTED_TEXT), 2)).toBe(false);
    expect(isExpectedAnswer(result('someone-else:read:a.txt'), 1)).toBe(false);
    expect(isExpectedAnswer(result(EXPECTED_TEXT, { isError: true }), 1)).toBe(false);
    expect(
      isExpectedAnswer(
        JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32001, message: 'x' } }),
        1,
      ),
    ).toBe(false);
    expect(isExpectedAnswer('not json', 1)).toBe(false);
  });
});

describe('the harness, a smoke run of a fixed number of calls', () => {
  it('measures every contender in its own process, counting only expected results', async () => {
    const run = await runHarness(SMOKE);
    expect(new Set(ROWS.map((row) => row.kind))).toEqual(new Set(CONTENDER_KINDS));
    for (const concurrency of SMOKE.concurrencies)
      for (const row of ROWS) {
        const measured = run.throughput.find(
          (t) => t.id === row.id && t.concurrency === concurrency,
        );
        expect(measured, `${row.id} at ${concurrency}`).toBeDefined();
        expect(measured!.calls, `${row.id} at ${concurrency}`).toBeGreaterThan(0);
        expect(measured!.errors, `${row.id} at ${concurrency}`).toBe(0);
        expect(measured!.cpuSecondsPer1000).toBeGreaterThan(0);
        expect(measured!.p99Ms).toBeGreaterThan(0);
      }
    // A token without the scope: refused everywhere, whether as HTTP 403, a JSON-RPC error or
    // an `isError` result answered 200; not one call counts.
    expect(run.controls.map((c) => c.id).sort()).toEqual([
      'floor-http-cached',
      'floor-ws',
      'portcullis-http-stateless',
      'portcullis-ws',
      'sdk-v2-legacy',
    ]);
    for (const control of run.controls) {
      expect(control.calls, control.id).toBe(0);
      expect(control.errors, control.id).toBeGreaterThan(0);
    }
    expect(run.memory.map((m) => m.opened)).toEqual([
      SMOKE.idleSessions,
      SMOKE.idleSessions,
      SMOKE.idleWebSockets,
      SMOKE.idleWebSockets,
    ]);
    expect(run.flood.length).toBe(4);
    for (const flood of run.flood) expect(flood.refused).toBe(flood.sent);
    expect(goals(run).length).toBeGreaterThan(0);
    expect(textReport(run)).toContain('Portcullis WebSocket');
    // Bounded by count, not by time: a slow machine takes longer, never fails.
  }, 0);
});
