import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { RunningHttpServer } from '@portcullis/streamable-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConformanceServer } from './conformance-server.js';

/** The suite, pinned; it needs Node 22, which npx brings from the npm registry. */
const SUITE = [
  '-y',
  '-p',
  'node@22',
  '-p',
  '@modelcontextprotocol/conformance@0.1.16',
  'conformance',
  'server',
];
const EXPECTED_FAILURES = fileURLToPath(new URL('../expected-failures.json', import.meta.url));

function runSuite(url: string, extra: string[] = []) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('npx', [...SUITE, '--url', url, ...extra], { env: process.env });
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

describe('the official MCP conformance suite against a Portcullis server', () => {
  let server: RunningHttpServer;
  let url: string;
  beforeAll(async () => {
    server = await startConformanceServer();
    url = server.url.replace('127.0.0.1', 'localhost');
  });
  afterAll(() => server.close({ deadlineMs: 1000 }));

  it('passes every check of every server scenario, dns-rebinding-protection included', async () => {
    const expected = JSON.parse(await readFile(EXPECTED_FAILURES, 'utf8')) as {
      scenarios: Array<{ scenario: string; reason: string }>;
    };
    const { code, output } = await runSuite(url);
    const summary = output.slice(output.lastIndexOf('=== SUMMARY ==='));
    console.log(summary.trim());
    const total = /Total: (\d+) passed, (\d+) failed/.exec(summary);
    expect(total, output.slice(-3000)).not.toBeNull();
    const scenarios = summary.match(/^[✓✗] [a-z0-9-]+/gm) ?? [];
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
    expect(scenarios).toContain('✓ dns-rebinding-protection');
    expect(expected.scenarios).toEqual([]);
    expect(Number(total![2])).toBe(0);
    expect(code).toBe(0);
  });

  it('passes the scenarios outside the default run: JSON Schema 2020-12 tools and SSE polling with resumption', async () => {
    for (const scenario of ['json-schema-2020-12', 'server-sse-polling']) {
      const { code, output } = await runSuite(url, ['--scenario', scenario]);
      const line = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(output);
      console.log(`${scenario}: ${line?.[0]}`);
      expect(line, output.slice(-2000)).not.toBeNull();
      expect([line![3], line![4], code]).toEqual(['0', '0', 0]);
    }
  });
});
